# `substrate check`: the system report, the flow graph and policies.
# The builder's `-r REPORT` uses check_report_write from CHECK_REPORT_SRCS,
# which takes physical placement from the image writer (IMAGE_SRCS, defined
# in tools/image/image.mk, read after this file: hence the recursive `=`).
CHECK_REPORT_SRCS = tools/check/report.c tools/check/flow.c tools/check/layout.c \
	$(VSPACE_SRCS) $(IMAGE_SRCS)
CHECK_SRCS = tools/check/check.c tools/check/policy.c $(CHECK_REPORT_SRCS)

# The image writer adds its own sources to the tool.
SUBSTRATE_SRCS += tools/check/check.c tools/check/policy.c tools/check/report.c \
	tools/check/flow.c tools/check/layout.c $(VSPACE_SRCS)
