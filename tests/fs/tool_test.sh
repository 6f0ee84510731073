#!/usr/bin/env bash
# The host tool, through the real binary: every subcommand, partitions at an
# offset, damaged images (loud failure, precise fsck report) and hostile files
# (clear errors, never a crash).
#
# Usage: tests/fs/tool_test.sh SUBSTRATE_BINARY WORKDIR
set -u
S=$1
W=$2
rm -rf "$W"
mkdir -p "$W"
failures=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ${2:-}"; failures=$((failures + 1)); }
check() { # name, then a command that must succeed
    local name=$1
    shift
    if "$@" >"$W/out" 2>&1; then pass "$name"; else fail "$name" "($(head -c 300 "$W/out"))"; fi
}
refuse() { # name, then a command that must fail with status 1 and a message, without a signal
    local name=$1
    shift
    "$@" >"$W/out" 2>&1
    local rc=$?
    if [ "$rc" -eq 1 ] && [ -s "$W/out" ]; then pass "$name"; else fail "$name" "(status $rc: $(head -c 300 "$W/out"))"; fi
}

img=$W/disk.img
head -c 3000000 /dev/urandom >"$W/random.bin"
printf 'hello\n' >"$W/hello.txt"
: >"$W/empty"

check tool_mkfs "$S" fs mkfs "$img" 32M
check tool_image_has_requested_size test "$(stat -c %s "$img")" -eq $((32 * 1024 * 1024))
check tool_mkdir "$S" fs mkdir "$img" /docs
check tool_mkdir_nested "$S" fs mkdir "$img" /docs/deep
check tool_put "$S" fs put "$img" "$W/random.bin" /docs/random.bin
check tool_put_small "$S" fs put "$img" "$W/hello.txt" /hello.txt
check tool_put_empty "$S" fs put "$img" "$W/empty" /docs/deep/empty
check tool_put_utf8_name "$S" fs put "$img" "$W/hello.txt" "/docs/naïve café.txt"
check tool_get_roundtrip bash -c "'$S' fs get '$img' /docs/random.bin '$W/back.bin' && cmp '$W/random.bin' '$W/back.bin'"
check tool_get_stdout bash -c "[ \"\$('$S' fs get '$img' /hello.txt -)\" = hello ]"
check tool_ls_lists_entries bash -c "'$S' fs ls '$img' /docs | grep -q 'random.bin' && '$S' fs ls '$img' /docs | grep -q 'naïve café.txt' && '$S' fs ls '$img' | grep -q 'docs/'"
check tool_put_replaces bash -c "'$S' fs put '$img' '$W/hello.txt' /docs/random.bin && [ \"\$('$S' fs get '$img' /docs/random.bin -)\" = hello ]"
check tool_fsck_clean "$S" fs fsck "$img"
refuse tool_rm_nonempty_dir "$S" fs rm "$img" /docs/deep
check tool_rm_file "$S" fs rm "$img" /docs/deep/empty
check tool_rm_empty_dir "$S" fs rm "$img" /docs/deep
refuse tool_get_missing "$S" fs get "$img" /nope "$W/nope"
refuse tool_mkdir_existing "$S" fs mkdir "$img" /docs
refuse tool_put_into_missing_dir "$S" fs put "$img" "$W/hello.txt" /missing/x
check tool_fsck_still_clean "$S" fs fsck "$img"

# A partition of a larger disk image, at an offset.
disk=$W/partitioned.img
head -c $((1024 * 1024)) /dev/zero >"$disk"
check tool_mkfs_at_offset "$S" fs mkfs "$disk" 16M --offset 1M
check tool_put_at_offset "$S" fs put "$disk" "$W/hello.txt" /p.txt --offset 1M
check tool_get_at_offset bash -c "[ \"\$('$S' fs get '$disk' /p.txt - --offset 1M)\" = hello ]"
check tool_bytes_before_partition_untouched bash -c "[ \"\$(head -c 1048576 '$disk' | tr -d '\\0' | wc -c)\" -eq 0 ]"
refuse tool_wrong_offset_fails_clearly "$S" fs ls "$disk" / --offset 2M
check tool_fsck_at_offset "$S" fs fsck "$disk" --offset 1M

# Damage one data block of the 3 MB file: reads fail loudly, fsck names the block.
head -c 1000000 /dev/urandom >"$W/random2.bin"
check tool_put_big_again "$S" fs put "$img" "$W/random2.bin" /big.bin
blk=$(python3 - "$img" <<'PY'
import sys
# Find a block whose bytes occur in the source file: a data block of /big.bin.
img = open(sys.argv[1], 'rb').read()
src = open(sys.argv[1].replace('disk.img', 'random2.bin'), 'rb').read()
probe = src[4096 * 100: 4096 * 100 + 64]
i = img.find(probe)
print(i // 4096 if i >= 0 else -1)
PY
)
if [ "$blk" -gt 0 ]; then
    printf '\xff' | dd of="$img" bs=1 seek=$((blk * 4096 + 77)) conv=notrunc status=none
    refuse tool_get_damaged_fails_loudly "$S" fs get "$img" /big.bin "$W/damaged.bin"
    check tool_get_damaged_leaves_no_partial_file test ! -e "$W/damaged.bin"
    "$S" fs fsck "$img" >"$W/fsck.out" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "data block $blk .*checksum mismatch" "$W/fsck.out"; then
        pass tool_fsck_names_damaged_block
    else
        fail tool_fsck_names_damaged_block "($(head -c 300 "$W/fsck.out"))"
    fi
    check tool_other_files_still_readable bash -c "[ \"\$('$S' fs get '$img' /hello.txt -)\" = hello ]"
else
    fail tool_found_data_block_to_damage
fi

# Hostile inputs: random bytes, a truncated image, a non-existent file.
head -c 1000000 /dev/urandom >"$W/junk.img"
refuse tool_ls_random_bytes "$S" fs ls "$W/junk.img" /
refuse tool_fsck_random_bytes "$S" fs fsck "$W/junk.img"
head -c 20000 "$img" >"$W/short.img"
refuse tool_ls_truncated_image "$S" fs ls "$W/short.img" /
refuse tool_fsck_truncated_image "$S" fs fsck "$W/short.img"
refuse tool_missing_image "$S" fs ls "$W/absent.img" /
"$S" fs bogus >/dev/null 2>&1
[ $? -eq 2 ] && pass tool_unknown_subcommand_is_usage_error || fail tool_unknown_subcommand_is_usage_error

rm -rf "$W"
[ "$failures" -eq 0 ]
