#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, on a fresh temporary corpus plus
# the read-only seed folder (new units never land in the repository), and
# prints one summary line:
#   fuzz <target>: N executions in S s, corpus K units
# Fails when the target crashes, leaks, times out, runs out of memory or is
# missing; a crashing input is kept under <artifact dir>.
#
# usage: run_fuzzer.sh <binary> <seed dir> <seconds> <artifact dir>
set -euo pipefail

if (($# != 4)); then
    echo "usage: $0 <binary> <seed dir> <seconds> <artifact dir>" >&2
    exit 2
fi
binary=$1 seeds=$2 seconds=$3 artifacts=$4
target=$(basename "$binary")
target=${target%_fuzz}

if [[ ! -x $binary ]]; then
    echo "fuzz $target: no fuzz target at $binary; build the fuzz preset first" \
        "(toolchain/dev build fuzz, or cmake --preset fuzz && cmake --build --preset fuzz)" >&2
    exit 1
fi
if [[ ! -d $seeds ]]; then
    echo "fuzz $target: no seed folder $seeds" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/roomchat-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"

rc=0
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/$target-" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?

# libFuzzer's closing lines: "#N DONE cov: ... corp: K/...b ..." and
# "Done N runs in S second(s)".
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE ' "$work/log" | tail -n 1 || true)
runs_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$work/log" | tail -n 1 || true)
if ((rc != 0)) || [[ -z $done_line || -z $runs_line ]]; then
    tail -n 60 "$work/log"
    echo "fuzz $target: FAILED (exit $rc); inputs that crashed are kept as $artifacts/$target-*" >&2
    exit 1
fi
runs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<<"$runs_line")
took=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<<"$runs_line")
units=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
echo "fuzz $target: $runs executions in $took s, corpus ${units:-?} units"
