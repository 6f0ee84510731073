;; Asks for a larger table than a constrained store allows.
(module (table 5000 funcref))
