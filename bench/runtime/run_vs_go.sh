#!/usr/bin/env bash
# gosim's runtime against Go 1.19 on the same machine, in the same run: builds
# the Go anchors (/work/shared/anchors/go or $ANCHORS) and gosim_rt_anchors,
# runs each RUNS times (default 3) alternating, and prints per metric the
# median of both and the ratio gosim/Go (for *_per_s: higher is better).
#
# Usage: bench/runtime/run_vs_go.sh [BUILD_DIR] [program ...]
#   BUILD_DIR: a Release build with gosim_rt_anchors built (default build/release)
#   programs:  spawn pingpong yield fanout syscall (default: all)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build/release}"
shift || true
progs=("$@")
[[ ${#progs[@]} -eq 0 ]] && progs=(spawn pingpong yield fanout syscall)
anchors="${ANCHORS:-/work/shared/anchors}"
runs="${RUNS:-3}"
ours="$build/bench/runtime/gosim_rt_anchors"
[[ -x "$ours" ]] || { echo "run_vs_go.sh: build $ours first (cmake --build $build --target gosim_rt_anchors)" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for ((i = 0; i < runs; i++)); do
  "$anchors/go/run.sh" "${progs[@]}" >>"$out/go.txt"
  "$ours" "${progs[@]}" >>"$out/gosim.txt"
done
"$anchors/median.sh" "$out/go.txt" >"$out/go.med"
"$anchors/median.sh" "$out/gosim.txt" >"$out/gosim.med"
awk '
FNR == 1 { file++; next }
file == 1 { go[$1] = $2; unit[$1] = $6 }
file == 2 { us[$1] = $2; order[++n] = $1; if (!($1 in unit)) unit[$1] = $6 }
END {
  printf "%-44s %14s %14s %8s %s\n", "metric", "go_median", "gosim_median", "ratio", "unit";
  for (i = 1; i <= n; i++) {
    k = order[i]; g = (k in go) ? go[k] : "-";
    r = (k in go && go[k] != 0) ? sprintf("%.2f", us[k] / go[k]) : "-";
    printf "%-44s %14s %14s %8s %s\n", k, g, us[k], r, unit[k];
  }
}' "$out/go.med" "$out/gosim.med"
echo "# runs=$runs; ratio = gosim / Go (for *_per_s higher is better, else lower is better)"
