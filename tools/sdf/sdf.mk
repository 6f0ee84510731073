# The system description parser: a host library that the builder, `substrate
# check` and the tests link. Others use $(SDF_SRCS) (or the object lists
# below) and $(SDF_LDLIBS).
#
# Fragments are included in sorted path order, so a fragment that sorts before
# this one (tests/..., tools/build/...) sees these variables empty while make
# reads its rules: refer to them in prerequisites through secondary expansion,
#     .SECONDEXPANSION:
#     $(MY_BIN): $(MY_OBJS) $$(SDF_OBJS)
# or only in recipes.
SDF_SRCS := tools/sdf/sdf_xml.c tools/sdf/sdf_parse.c
SDF_LDLIBS := -lexpat
SDF_OBJS := $(patsubst %.c,$(HOST_BUILD)/%.o,$(SDF_SRCS))
SDF_SAN_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(SDF_SRCS))

SUBSTRATE_SRCS += $(SDF_SRCS)
SUBSTRATE_LDLIBS += $(SDF_LDLIBS)
