// The network poller on epoll (Go: netpoll.go, netpoll_epoll.go).
//
// A `netwait D` arms a real timerfd that becomes readable after D, registers
// it (EPOLLIN | EPOLLONESHOT, data = the G) and parks the G ("IO wait").
// Readiness is found by findRunnable's non-blocking poll, by the one M that
// blocks in epoll (the lastpoll token), or by sysmon; the readied Gs go
// through injectglist, as in Go.
//
// The pollDesc hand-shake (netpollblock / netpollblockcommit / netpollunblock):
// the G CASes its rg slot 0 -> kPdWait before parking and, on g0 after the
// switch, kPdWait -> G. The poller swaps the slot to kPdReady; if it found a
// G there, it readies it; if it found kPdWait, the commit CAS fails and the G
// does not park. Exactly one side wins, so no wake-up is lost.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/g.h"

namespace gosim::runtime {

inline constexpr std::uintptr_t kPdReady = 1;
inline constexpr std::uintptr_t kPdWait = 2;

class Netpoll {
 public:
  Netpoll();
  ~Netpoll();
  Netpoll(const Netpoll&) = delete;
  Netpoll& operator=(const Netpoll&) = delete;

  // netpollWaiters: Gs parked (or about to park) on an fd.
  std::int32_t waiters() const { return waiters_.load(std::memory_order_acquire); }
  // netpoll(delay): delay < 0 blocks, 0 polls, > 0 waits (granularity as Go:
  // sub-ms -> 1 ms, else whole ms, via the configured granularity). Returns
  // the readied Gs linked by schedlink (still Waiting), or null.
  G* poll(std::int64_t delay_ns);
  // netpollBreak: interrupts a blocking poll (eventfd). Only a blocking poll
  // consumes it (netpoll_epoll.go), so a non-blocking poll racing with the M
  // about to block cannot swallow its wake-up; every call writes (see .cpp).
  void brk();
  // A break was made and no blocking poll has taken it yet (for tests).
  bool break_pending() const { return wake_sig_.load(std::memory_order_acquire) != 0; }

  // The G side of `netwait ns`: arm, park, disarm.
  void wait(std::int64_t ns);

 private:
  int epfd_ = -1;
  int evfd_ = -1;
  std::atomic<std::int32_t> waiters_{0};
  std::atomic<std::uint32_t> wake_sig_{0};
  // TSan does not intercept epoll_pwait2, so it cannot see that the kernel
  // orders a G's registration before the poller reads the event's G: each
  // registration releases this counter and each poll acquires it.
  std::atomic<std::uint64_t> registrations_{0};
};

// `netwait D` on the current G (a blocking read on the fd if the netpoller
// mechanism is switched off: the M then blocks in a syscall).
void netwait(std::int64_t ns);

}  // namespace gosim::runtime
