# `substrate check`: the system report, the flow graph and policies.
# The builder's `-r REPORT` uses check_report_write from CHECK_REPORT_SRCS.
CHECK_REPORT_SRCS := tools/check/report.c tools/check/flow.c tools/check/layout.c \
	$(VSPACE_SRCS)
CHECK_SRCS := tools/check/check.c tools/check/policy.c $(CHECK_REPORT_SRCS)

SUBSTRATE_SRCS += $(CHECK_SRCS)
