;; Asks for more memory at start than a constrained store allows.
(module (memory 10))
