// tracing: the reference for gosim's tracing overhead, Go's own execution
// tracer (runtime/trace, written to io.Discard) on the unbuffered channel
// ping-pong of the pingpong anchor, one P. Untraced and traced runs
// alternate in one process; prints the medians with the metric names
// gosim_rt_anchors uses, so run_vs_go.sh sets them side by side.
// Run with GOMAXPROCS=1.
package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/trace"
	"sort"
	"syscall"
	"time"
)

func metric(name string, value float64, unit string) {
	fmt.Printf("metric=%s value=%.6g unit=%s\n", name, value, unit)
}

// cpu is the process's user+system time (every thread, like gosim's
// CLOCK_PROCESS_CPUTIME_ID): the tracer's reader goroutine counts too.
func cpu() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// pingpong returns wall and CPU ns per round trip.
func pingpong(n int, traced bool) (float64, float64) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	if traced {
		if err := trace.Start(io.Discard); err != nil {
			panic(err)
		}
	}
	c0, t0 := cpu(), time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	wall, used := time.Since(t0), cpu()-c0
	if traced {
		trace.Stop()
	}
	close(ping)
	return float64(wall.Nanoseconds()) / float64(n), float64(used.Nanoseconds()) / float64(n)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func main() {
	n := flag.Int("n", 300000, "round trips per run")
	runs := flag.Int("runs", 5, "traced/untraced pairs")
	flag.Parse()
	pingpong(10000, false) // warm-up
	var uw, uc, tw, tc []float64
	for i := 0; i < *runs; i++ {
		a, b := pingpong(*n, false)
		c, d := pingpong(*n, true)
		uw, uc, tw, tc = append(uw, a), append(uc, b), append(tw, c), append(tc, d)
	}
	p := runtime.GOMAXPROCS(0)
	pre := fmt.Sprintf("tracing_p%d_", p)
	metric(pre+"pingpong_untraced_ns_per_roundtrip", median(uw), "ns")
	metric(pre+"pingpong_traced_ns_per_roundtrip", median(tw), "ns")
	metric(pre+"pingpong_untraced_cpu_ns_per_roundtrip", median(uc), "ns")
	metric(pre+"pingpong_traced_cpu_ns_per_roundtrip", median(tc), "ns")
	metric(pre+"overhead_percent", (median(tw)/median(uw)-1)*100, "%")
	metric(pre+"overhead_cpu_percent", (median(tc)/median(uc)-1)*100, "%")
}
