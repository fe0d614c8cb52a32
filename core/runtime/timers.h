// Timers and time.Sleep (Go: time.go): per-P 4-ary heaps of (when, G),
// run by the P's owner in findRunnable (checkTimers) and by thieves in the
// last steal round; an idle runtime sleeps in the blocking netpoll until the
// earliest timer (so sleeps have epoll's 1 ms granularity, as in Go).
#pragma once

#include <cstdint>

#include "runtime/g.h"
#include "runtime/p.h"

namespace gosim::runtime {

// doaddtimer: adds a timer to p's heap (any thread; takes p's timers lock).
void add_timer(P* p, std::int64_t when, G* gp);

// checkTimers: readies every G whose timer on p expired by `now` into the
// *current* M's P (goready: runnext). Returns p's next timer (0: none).
std::int64_t check_timers(P* p, std::int64_t now, bool* ran);

// wakeNetPoller: make sure someone wakes by `when`.
void wake_netpoller(std::int64_t when);

// time.Sleep on the current G (timeSleep / resetForSleep / goroutineReady).
void time_sleep(std::int64_t ns);

}  // namespace gosim::runtime
