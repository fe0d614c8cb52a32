#!/usr/bin/env bash
# gosim's runtime against Go 1.19 on the same machine, in one run: builds the
# Go anchors (/work/shared/anchors/go or $ANCHORS) and gosim_rt_anchors, runs
# each RUNS times (default 3) alternating, prints per metric the median of
# both and the ratio gosim/Go (for *_per_s: higher is better), then the raw
# context switch beside the physical-limit anchor (run_switch.sh, SWITCH=0
# skips it) and a summary against the targets of the issue.
#
# Usage: bench/runtime/run_vs_go.sh [BUILD_DIR] [program ...]
#   BUILD_DIR: a Release build with gosim_rt_anchors built (default build/release)
#   programs:  spawn pingpong yield fanout syscall tracing (default: all;
#              tracing: traced vs untraced gosim, beside Go's own execution
#              tracer on the same ping-pong, bench/runtime/go/tracing)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build/release}"
shift || true
progs=("$@")
[[ ${#progs[@]} -eq 0 ]] && progs=(spawn pingpong yield fanout syscall tracing)
goprogs=()
for p in "${progs[@]}"; do [[ "$p" == tracing ]] || goprogs+=("$p"); done
anchors="${ANCHORS:-/work/shared/anchors}"
runs="${RUNS:-3}"
ours="$build/bench/runtime/gosim_rt_anchors"
[[ -x "$ours" ]] || { echo "run_vs_go.sh: build $ours first (cmake --build $build --target gosim_rt_anchors)" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# Go's execution tracer as the reference for ours (same Go as the anchors).
gotracing=""
if [[ " ${progs[*]} " == *" tracing "* ]]; then
  go="${GO:-}"
  [[ -z "$go" && -x /usr/lib/go-1.19/bin/go ]] && go=/usr/lib/go-1.19/bin/go
  [[ -z "$go" ]] && command -v go >/dev/null 2>&1 && go=go
  if [[ -n "$go" ]]; then
    [[ -z "${GOCACHE:-}" && -z "${HOME:-}" ]] && export GOCACHE="$out/gocache"
    (cd "$here/go" && "$go" build -o "$out/go_tracing" ./tracing) && gotracing="$out/go_tracing"
  fi
fi
: >"$out/go.txt"
for ((i = 0; i < runs; i++)); do
  echo "run_vs_go: run $((i + 1))/$runs" >&2
  [[ ${#goprogs[@]} -gt 0 ]] && "$anchors/go/run.sh" "${goprogs[@]}" >>"$out/go.txt"
  [[ -n "$gotracing" ]] && env -i PATH="$PATH" GOMAXPROCS=1 "$gotracing" >>"$out/go.txt"
  "$ours" "${progs[@]}" >>"$out/gosim.txt"
done
"$anchors/median.sh" "$out/go.txt" >"$out/go.med"
"$anchors/median.sh" "$out/gosim.txt" >"$out/gosim.med"
echo "== gosim vs Go 1.19, medians of $runs runs each, alternating ($(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)) =="
awk '
FNR == 1 { file++; next }
file == 1 { go[$1] = $2; unit[$1] = $6 }
file == 2 { us[$1] = $2; order[++n] = $1; if (!($1 in unit)) unit[$1] = $6 }
END {
  printf "%-50s %14s %14s %8s %s\n", "metric", "go_median", "gosim_median", "ratio", "unit";
  for (i = 1; i <= n; i++) {
    k = order[i]; g = (k in go) ? go[k] : "-";
    r = (k in go && go[k] != 0) ? sprintf("%.2f", us[k] / go[k]) : "-";
    printf "%-50s %14s %14s %8s %s\n", k, g, us[k], r, unit[k];
  }
}' "$out/go.med" "$out/gosim.med" | tee "$out/table.txt"
echo "# ratio = gosim / Go (for *_per_s higher is better, else lower is better)"

: >"$out/switch.txt"
if [[ "${SWITCH:-1}" != 0 ]]; then
  echo
  PARKED="${PARKED:-0}" ROUND_TRIPS="${ROUND_TRIPS:-20000000}" BUILD_DIR="$build" \
    SHARED="${SHARED:-$(dirname "$anchors")}" "$here/run_switch.sh" "$runs" 2>/dev/null | tee "$out/switch.txt" |
    sed -n '/== medians/,$p'
fi

# The issue's targets, from the medians above.
echo
echo "== targets =="
awk '
FNR == 1 { file++ }
file == 1 && NF >= 4 { go[$1] = $2; us[$1] = $3 }
file == 2 && $1 == "switch_fiber_ns_per_switch" { sw = $2 }
file == 2 && $1 == "switch_fiber_cpu_ns_per_switch" { swc = $2 }
function ratio(k) { return (k in go && go[k] > 0) ? us[k] / go[k] : -1 }
function row(name, v, target, ok) { printf "%-44s %12s  %-14s %s\n", name, v, target, ok ? "met" : "NOT met" }
END {
  # CPU time: wall time of a switch grows with the machine load (see run_switch.sh).
  if (swc != "") row("raw context switch (ns, CPU; wall " sw ")", swc, "<= 10 ns", swc <= 10);
  r = ratio("yield_p1_ns_per_switch"); if (r >= 0) row("yield vs Gosched (ratio)", sprintf("%.2f", r), "<= 1", r <= 1);
  r = ratio("pingpong_p1_ns_per_roundtrip"); if (r >= 0) row("ping-pong P=1 (ratio)", sprintf("%.2f", r), "<= 1", r <= 1);
  r = ratio("pingpong_p2_ns_per_roundtrip"); if (r >= 0) row("ping-pong P=2 (ratio)", sprintf("%.2f", r), "<= 1", r <= 1);
  r = ratio("spawn_p2_ns_per_goroutine"); if (r >= 0) row("spawn+join 1M, per goroutine (ratio)", sprintf("%.2f", r), "<= 1", r <= 1);
  r = ratio("spawn_p2_rss_bytes_per_goroutine"); if (r >= 0) row("RSS per parked goroutine (ratio)", sprintf("%.2f", r), "<= 2", r <= 2);
  r = ratio("fanout_p2_tasks_per_s"); if (r >= 0) row("fan-out, all cores (ratio, higher better)", sprintf("%.2f", r), ">= 1", r >= 1);
  if ("syscall_p2_threads_after_block" in us) row("threads after 32 blocking syscalls", us["syscall_p2_threads_after_block"] " (Go " go["syscall_p2_threads_after_block"] ")", "<= Go", us["syscall_p2_threads_after_block"] <= go["syscall_p2_threads_after_block"]);
  if ("syscall_p2_sleep_threads_created" in us) row("new threads, 1 ms-syscall phase", us["syscall_p2_sleep_threads_created"], "0", us["syscall_p2_sleep_threads_created"] == 0);
  # Beside the target: what the Go 1.19 tracer costs on the same ping-pong.
  k = "tracing_p1_overhead_percent"; if (k in us) row("tracing overhead, ping-pong (wall %)", us[k], "< 5 %", us[k] < 5);
  if (k in go) printf "%-44s %12s\n", "  (Go 1.19 execution tracer, same ping-pong)", go[k];
  k = "tracing_p1_overhead_cpu_percent"; if (k in us) row("tracing overhead, ping-pong (CPU %)", us[k], "< 5 %", us[k] < 5);
  if (k in go) printf "%-44s %12s\n", "  (Go 1.19 execution tracer, same ping-pong)", go[k];
}' "$out/table.txt" "$out/switch.txt"
