/* Kernel configuration, as seL4 Microkit's SDK names it for x86_64. */
#pragma once

#define CONFIG_SEL4_ARCH  x86_64
#define CONFIG_ARCH_X86_64  1
#define CONFIG_ARCH_X86  1
#define CONFIG_WORD_SIZE  64
#define CONFIG_KERNEL_MCS  1
#define CONFIG_MAX_NUM_NODES  1
