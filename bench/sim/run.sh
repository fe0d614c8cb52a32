#!/usr/bin/env bash
# Simulator benchmark beside the real Go runtime, in the same run:
#   1. builds gosim_sim_bench in Release (build/bench-sim unless BUILD_DIR is set),
#   2. runs it: engine events per second (wall and per CPU second), bytes per
#      live simulated G, on a 1,000,000-goroutine spawn, a fib(29) fan-out
#      (1,664,079 goroutines) and a 4,000,000-round-trip channel ping-pong,
#   3. builds and runs the Go anchors fanout and spawn (GOMAXPROCS=2) from
#      ../shared/anchors/go, so the wall times compare on the same machine load.
# Usage: bench/sim/run.sh [extra gosim_sim_bench args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build/bench-sim}"
# The anchors sit in ../shared beside the checkout (or one level up from a
# worktree under wt/).
anchors="${ANCHORS:-$root/../shared/anchors/go}"
[[ -d "$anchors" || -n "${ANCHORS:-}" ]] || anchors="$root/../../shared/anchors/go"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target gosim_sim_bench -j2 >/dev/null

echo "# gosim simulator (GOMAXPROCS=2 in the model)"
"$build/bench/sim/gosim_sim_bench" --procs 2 "$@"

if [[ -x "$anchors/run.sh" ]]; then
  echo "# Go anchors, same machine, same run"
  "$anchors/run.sh" fanout spawn | grep -E '^(#|metric=(fanout_p2|spawn_p2))'
else
  echo "# Go anchors not found at $anchors (set ANCHORS=...)"
fi
