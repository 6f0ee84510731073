#!/usr/bin/env bash
# `substrate check` as users run it: exit codes, the files -o writes (the SVG
# rendered by Graphviz), and the policy verdict on standard error.
# Usage: tests/tools/check_cli_test.sh SUBSTRATE_BIN
set -u
bin=$1
sys=tests/tools/systems/chain.system
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 $2"; fails=$((fails + 1)); }

"$bin" check "$sys" >"$tmp/out.md" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^## Protection domain db\\_client$' "$tmp/out.md" && [ ! -s "$tmp/err" ]; then
    pass check/cli/report_to_stdout
else
    fail check/cli/report_to_stdout "rc=$rc"
fi

"$bin" check "$sys" -o "$tmp/o" --policy tests/tools/systems/chain-ok.policy 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'all 4 rules hold' "$tmp/err" && grep -q '^# System report' "$tmp/o/report.md" \
        && grep -q '^digraph flow' "$tmp/o/flow.dot" && grep -q '<svg' "$tmp/o/flow.svg" \
        && grep -q 'db_client' "$tmp/o/flow.svg" && grep -q 'all 4 rules hold' "$tmp/o/policy.txt"; then
    pass check/cli/writes_report_dot_and_svg
else
    fail check/cli/writes_report_dot_and_svg "rc=$rc $(head -c 300 "$tmp/err")"
fi

"$bin" check "$sys" --policy tests/tools/systems/chain-bad.policy -o "$tmp/bad" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^tests/tools/systems/chain-bad.policy:2: violated: deny flow web -> db: web -> parser -> db_client -> db via ' "$tmp/err" \
        && grep -q '2 of 3 rules violated' "$tmp/err" && cmp -s "$tmp/err" "$tmp/bad/policy.txt" \
        && [ "$(grep -c 'color=red' "$tmp/bad/flow.dot")" -eq 4 ] && grep -q '<svg' "$tmp/bad/flow.svg"; then
    pass check/cli/violated_policy_exits_1_with_path
else
    fail check/cli/violated_policy_exits_1_with_path "rc=$rc"
fi

printf 'deny flow web -> nobody\n' >"$tmp/bad.policy"
"$bin" check "$sys" --policy "$tmp/bad.policy" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "bad.policy:1:18: error: 'nobody' is not a protection domain" "$tmp/err"; then
    pass check/cli/bad_policy_exits_1
else
    fail check/cli/bad_policy_exits_1 "rc=$rc"
fi

printf '<system>\n  <protection_domain name="a" priority="300"/>\n</system>\n' >"$tmp/bad.system"
"$bin" check "$tmp/bad.system" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "bad.system:2:3: error: priority=\"300\" is out of range" "$tmp/err"; then
    pass check/cli/bad_system_exits_1
else
    fail check/cli/bad_system_exits_1 "rc=$rc $(cat "$tmp/err")"
fi

"$bin" check >/dev/null 2>&1
rc1=$?
"$bin" check "$sys" --bogus >/dev/null 2>&1
rc2=$?
if [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && "$bin" check --help | grep -q 'deny flow A -> B'; then
    pass check/cli/usage_exits_2
else
    fail check/cli/usage_exits_2 "rc=$rc1,$rc2"
fi
[ $fails -eq 0 ]
