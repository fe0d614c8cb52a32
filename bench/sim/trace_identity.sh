#!/usr/bin/env bash
# Trace identity check for engine work that must not change the schedule:
# runs every scenario in scenarios/ under 15 configs (defaults, each mechanism
# switched off, a few seeds and GOMAXPROCS values) in sim mode and writes the
# --trace, --chrome and --json summary outputs to OUT_DIR.
# Usage: bench/sim/trace_identity.sh GOSIM_BINARY OUT_DIR
#   then compare two output trees with: diff -r OUT_BEFORE OUT_AFTER
# Runs that fail (deadlock, panic scenarios) are kept: their exit status and
# stderr are part of the output.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gosim="${1:?usage: trace_identity.sh GOSIM_BINARY OUT_DIR}"
out="${2:?usage: trace_identity.sh GOSIM_BINARY OUT_DIR}"
mkdir -p "$out"

configs=(
  "default|"
  "no_stealing|mechanisms.work_stealing=false"
  "no_runnext|mechanisms.runnext=false"
  "no_handoff|mechanisms.syscall_handoff=false"
  "no_spinning|mechanisms.spinning=false"
  "no_thread_cache|mechanisms.thread_cache=false"
  "no_netpoller|mechanisms.netpoller=false"
  "no_preemption|mechanisms.preemption=false"
  "no_gc|mechanisms.gc=false"
  "no_fairness|mechanisms.fairness_check=false"
  "seed7|seed=7"
  "seed12345|seed=12345"
  "procs1|gomaxprocs=1"
  "procs3|gomaxprocs=3"
  "procs8_seed3|gomaxprocs=8 seed=3"
)

n=0
for scen in "$root"/scenarios/*.json; do
  name="$(basename "$scen" .json)"
  for c in "${configs[@]}"; do
    cname="${c%%|*}"
    sets="${c#*|}"
    args=()
    for kv in $sets; do args+=(--set "$kv"); done
    base="$out/$name.$cname"
    "$gosim" run --mode sim "${args[@]}" --trace "$base.trace.json" --chrome "$base.chrome.json" --json "$scen" \
      >"$base.summary.json" 2>"$base.stderr"
    echo "exit=$?" >>"$base.stderr"
    n=$((n + 1))
  done
done
echo "trace_identity: $n runs written to $out"
