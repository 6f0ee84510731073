/* The module the client adds to the extension directory at run time. */
    .section .rodata
    .balign 16
    .global new_module_start
new_module_start:
    .incbin "doubler.wasm"
new_module_end:
    .balign 8
    .global new_module_size
new_module_size:
    .quad new_module_end - new_module_start
    .section .note.GNU-stack,"",@progbits
