# The image writer and ELF reader: part of the substrate tool; host tests
# under ASan/UBSan (test-image) and a libFuzzer target for the ELF reader.
IMAGE_SRCS := tools/image/elf.c tools/image/image.c lib/vspace/vspace_plan.c
SUBSTRATE_SRCS += tools/image/elf.c tools/image/image.c lib/vspace/vspace_plan.c
