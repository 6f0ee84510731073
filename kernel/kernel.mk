# The L1 kernel: one freestanding x86_64 ELF, installed in the SDK where the
# builder looks for it (board/x86_64_generic/<config>/elf/kernel.elf).
KERNEL_SRCS := kernel/main.c kernel/console.c kernel/klib.c kernel/pd.c kernel/sched.c \
	kernel/ipc.c kernel/irq.c kernel/entry.c kernel/ioport.c \
	kernel/arch/x86_64/cpu.c kernel/arch/x86_64/apic.c
KERNEL_ASMS := kernel/arch/x86_64/boot.S kernel/arch/x86_64/entry.S
KERNEL_OBJS := $(patsubst %.c,$(TARGET_BUILD)/%.o,$(KERNEL_SRCS)) \
	$(patsubst %.S,$(TARGET_BUILD)/%.o,$(KERNEL_ASMS)) \
	$(TARGET_BUILD)/kernel/vspace_plan.o
KERNEL_ELF := $(TARGET_BUILD)/kernel/kernel.elf
KERNEL_CFLAGS := -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-common

$(TARGET_BUILD)/kernel/%.o: EXTRA_CFLAGS := $(KERNEL_CFLAGS)

# The page planner, built into the kernel with the kernel's code model.
$(TARGET_BUILD)/kernel/vspace_plan.o: lib/vspace/vspace_plan.c
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_CPPFLAGS) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/x86_64/kernel.ld
	$(TARGET_LD) -nostdlib -z max-page-size=4096 --no-warn-rwx-segments -T kernel/arch/x86_64/kernel.ld $(KERNEL_OBJS) -o $@

KERNEL_SDK_ELFS := $(foreach c,debug release,$(SDK_BOARD)/$(c)/elf/kernel.elf)
$(SDK_BOARD)/%/elf/kernel.elf: $(KERNEL_ELF)
	@mkdir -p $(@D)
	cp $< $@

ALL_TARGETS += $(KERNEL_ELF) $(KERNEL_SDK_ELFS)
sdk: $(KERNEL_SDK_ELFS)

