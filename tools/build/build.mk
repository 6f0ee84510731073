# `substrate build` / `microkit`: the system builder's command line.
SUBSTRATE_SRCS += tools/build/build.c
