#!/usr/bin/env bash
# Turns the in-guest benchmark lines of a console log into rates, with the TSC
# rate the kernel printed at boot ("tsc N MHz").
#   usage: tests/net/guest-bench.sh CONSOLE_LOG
set -eu
log=$1
mhz=$(grep -aoE 'tsc [0-9]+ MHz' "$log" | head -n 1 | awk '{print $2}')
[ -n "$mhz" ] || { echo "no TSC rate in $log" >&2; exit 1; }
grep -aE '^BENCH: guest ' "$log" | awk -v mhz="$mhz" '
  $3 == "tcp-rr-64B" { s = $7 / (mhz * 1e6);
      printf "BENCH: guest tcp-rr-64B rate %.0f /s (latency %.0f us), TCG, TSC %d MHz\n", $5 / s, 1e6 * s / $5, mhz; next }
  { s = $7 / (mhz * 1e6);
      printf "BENCH: guest %s throughput %.1f Mbit/s, %.0f cycles/byte (both ways, whole guest), TCG, TSC %d MHz\n",
             $3, $5 * 8 / s / 1e6, $7 / (2 * $5), mhz }'
