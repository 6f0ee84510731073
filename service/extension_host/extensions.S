/*
 * The example extensions, built into the extension host's image until a
 * filesystem can supply them. Each is a wasm32 module from examples/.
 */
#define EXTENSION(name, file)        \
    .balign 16;                      \
    .global ext_##name##_start;      \
    .global ext_##name##_end;        \
    ext_##name##_start:              \
    .incbin file;                    \
    ext_##name##_end:

    .section .rodata
    EXTENSION(counter, "counter.wasm")
    EXTENSION(crasher, "crasher.wasm")
    EXTENSION(looper, "looper.wasm")
    EXTENSION(greedy, "greedy.wasm")

    .section .note.GNU-stack,"",@progbits
