#!/usr/bin/env bash
# Runs the fiber benchmarks beside the physical-limit anchor, in the same run:
# shared/anchors/limit/switch.cpp (built here with g++ -O2) and
# gosim_switch_bench (a Release build), alternately, RUNS times each, then
# prints the medians (shared/anchors/median.sh) and our ratios to the anchor.
#
# Usage: bench/runtime/run_switch.sh [runs=3]
# Env:   BUILD_DIR (Release build dir, default build/release; built if needed)
#        SHARED (default ../shared beside the repo), ROUND_TRIPS (50000000),
#        PARKED (fibers parked at once, default 1000000; 0 skips that part)
#        PREFIX (a command both programs run under, e.g. "chrt -f 10" as root:
#        on a loaded shared machine wall-clock times are otherwise inflated
#        by other processes; the *_cpu_* metrics are robust either way)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
build="${BUILD_DIR:-$repo/build/release}"
shared="${SHARED:-$repo/../shared}"
round_trips="${ROUND_TRIPS:-50000000}"
parked="${PARKED:-1000000}"
read -r -a prefix <<<"${PREFIX:-}"

anchor_src="$shared/anchors/limit/switch.cpp"
median="$shared/anchors/median.sh"
[[ -f "$anchor_src" ]] || { echo "run_switch: no anchor at $anchor_src (set SHARED)" >&2; exit 1; }

if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target gosim_switch_bench >/dev/null
bench="$build/bench/runtime/gosim_switch_bench"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${CXX:-g++}" -O2 -o "$tmp/anchor_switch" "$anchor_src"

out="$tmp/metrics.txt"
for ((i = 1; i <= runs; i++)); do
  echo "run_switch: run $i/$runs" >&2
  "${prefix[@]}" "$tmp/anchor_switch" "$round_trips" 1000000 | tee -a "$out"
  "${prefix[@]}" "$bench" "$round_trips" "$parked" | tee -a "$out"
done

echo
echo "== medians of $runs runs (anchor and gosim, same run; $(date -u '+%Y-%m-%d %H:%M UTC')) =="
"$median" "$out" | tee "$tmp/medians.txt"

# Ratios of our medians to the anchor's.
awk '
  $1 == "switch_asm_jmp_ns_per_switch" { jmp = $2 }
  $1 == "switch_asm_ret_ns_per_switch" { ret = $2 }
  $1 == "switch_ucontext_ns_per_switch" { uc = $2 }
  $1 == "switch_fiber_raw_ns_per_switch" { raw = $2 }
  $1 == "switch_fiber_ns_per_switch" { api = $2 }
  END {
    if (jmp > 0 && api > 0) {
      printf "metric=switch_fiber_over_anchor_jmp value=%.3g unit=ratio\n", api / jmp
      printf "metric=switch_fiber_raw_over_anchor_jmp value=%.3g unit=ratio\n", raw / jmp
      printf "metric=switch_fiber_over_anchor_ret value=%.3g unit=ratio\n", api / ret
      printf "metric=switch_ucontext_over_fiber value=%.3g unit=ratio\n", uc / api
    }
  }' "$tmp/medians.txt"
