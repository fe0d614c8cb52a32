// epoll network poller (Go: netpoll.go, netpoll_epoll.go). See netpoll.h.
#include "runtime/netpoll.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/nanotime.h"
#include "runtime/sched.h"

namespace gosim::runtime {

Netpoll::Netpoll() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  evfd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epfd_ < 0 || evfd_ < 0) {
    std::fprintf(stderr, "gosim: fatal error: netpollinit: %s\n", std::strerror(errno));
    std::abort();
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // null = the break eventfd
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, evfd_, &ev);
}

Netpoll::~Netpoll() {
  ::close(evfd_);
  ::close(epfd_);
}

void Netpoll::brk() {
  // netpollBreak. Go skips the write while netpollWakeSig says one is
  // pending; but a break made while the poller has read the eventfd and not
  // yet cleared the flag is then lost, and the next M to block in epoll (the
  // run's end, an earlier timer) sleeps on. So every break writes: eventfd
  // adds them up and one read by the blocking poll takes them all.
  wake_sig_.store(1, std::memory_order_release);
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(evfd_, &one, sizeof one);
}

G* Netpoll::poll(std::int64_t delay) {
  timespec ts{};
  timespec* tsp = nullptr;
  if (delay == 0) {
    tsp = &ts;
  } else if (delay > 0) {
    // Go's rounding: below the granularity -> one unit; else whole units.
    std::int64_t gran = sched->cfg().constants.netpoll_granularity;
    if (gran <= 0) gran = 1;
    std::int64_t d = delay < gran ? gran : (delay / gran) * gran;
    if (d > 1'000'000'000'000'000LL) d = 1'000'000'000'000'000LL;
    ts.tv_sec = static_cast<time_t>(d / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(d % 1'000'000'000);
    tsp = &ts;
  }
  epoll_event evs[128];  // Go reads at most 128 events per call
  int n = ::epoll_pwait2(epfd_, evs, 128, tsp, nullptr);
  if (n < 0) return nullptr;  // EINTR: the caller re-polls
#if defined(GOSIM_TSAN)
  if (n > 0) (void)registrations_.load(std::memory_order_acquire);
#endif
  M* m = getm();
  G* list = nullptr;
  G* tail = nullptr;
  std::int64_t count = 0;
  for (int i = 0; i < n; i++) {
    if (evs[i].data.ptr == nullptr) {
      // netpollBreak could be picked up by a non-blocking poll (findRunnable's,
      // sysmon's) racing with the M that blocks: only a blocking poll consumes
      // it, or that M would sleep on past the timer it was woken for.
      if (delay != 0) {
        wake_sig_.store(0, std::memory_order_release);  // before the read: a later break stays pending
        std::uint64_t v;
        [[maybe_unused]] ssize_t r = ::read(evfd_, &v, sizeof v);
      }
      continue;
    }
    G* gp = static_cast<G*>(evs[i].data.ptr);
    // netpollunblock: swap in kPdReady; a G found there is ours to ready.
    std::uintptr_t old = gp->pd.rg.exchange(kPdReady, std::memory_order_acq_rel);
    if (old == 0 || old == kPdReady || old == kPdWait) continue;  // the G will see kPdReady
    gp->wake_why = static_cast<std::uint8_t>(trace::Why::WakeNetpoll);
    gp->waker_goid = -1;
    gp->schedlink = nullptr;
    if (tail) tail->schedlink = gp;
    else list = gp;
    tail = gp;
    count++;
  }
  if (count > 0 && tracing_on()) {
    trace::Why why = m->is_sysmon ? trace::Why::NetpollSysmon
                     : delay != 0 ? trace::Why::NetpollBlocking
                                  : trace::Why::WakeNetpoll;
    // Nondecreasing in this M's buffer (TraceBuf::tlast), as every stamp is,
    // so the merge needs no sort.
    std::int64_t t = std::max(cputicks(), m->trace->tlast);
    m->trace->tlast = t;
    for (G* g = list; g; g = g->schedlink)
      trace_event_at(m, t, trace::EventKind::NetpollReady, why, 0, static_cast<std::int32_t>(g->goid),
                     m->p ? m->p->id : -1, count, 0, 0, m->is_sysmon ? -1 : m->id);
  }
  return list;
}

namespace {

bool netpollblockcommit(G* gp, void*) {
  std::uintptr_t expect = kPdWait;
  return gp->pd.rg.compare_exchange_strong(expect, reinterpret_cast<std::uintptr_t>(gp), std::memory_order_acq_rel);
}

int arm_timerfd(std::int64_t ns) {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return -1;
  itimerspec its{};
  if (ns <= 0) ns = 1;  // a zero it_value would disarm it
  its.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  its.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  ::timerfd_settime(fd, 0, &its, nullptr);
  return fd;
}

}  // namespace

void Netpoll::wait(std::int64_t ns) {
  G* gp = getm()->curg;
  int fd = arm_timerfd(ns);
  if (fd < 0) gopanic("runtime: netwait: timerfd_create: " + std::string(std::strerror(errno)));
  gp->pd.fd = fd;
  gp->pd.rg.store(0, std::memory_order_relaxed);
  waiters_.fetch_add(1, std::memory_order_acq_rel);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.ptr = gp;
#if defined(GOSIM_TSAN)
  registrations_.fetch_add(1, std::memory_order_release);
#endif
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  std::uintptr_t expect = 0;
  if (gp->pd.rg.compare_exchange_strong(expect, kPdWait, std::memory_order_acq_rel)) {
    gopark(netpollblockcommit, nullptr, trace::BlockReason::NetWait, trace::Why::BlockNet, -1,
           nanotime() + ns - sched->start);
  }
  // Ready (either we were woken, or the fd fired before we could park).
  waiters_.fetch_sub(1, std::memory_order_acq_rel);
  gp = getm()->curg;
  gp->pd.rg.store(0, std::memory_order_relaxed);
  ::close(gp->pd.fd);  // also removes it from the epoll set
  gp->pd.fd = -1;
}

void netwait(std::int64_t ns) {
  if (sched->cfg().mechanisms.netpoller) {
    sched->netpoll->wait(ns);
    return;
  }
  // Without the netpoller a network read blocks its thread, like a syscall.
  int fd = arm_timerfd(ns);
  if (fd < 0) gopanic("runtime: netwait: timerfd_create: " + std::string(std::strerror(errno)));
  entersyscall(ns);
  pollfd fds[2] = {{fd, POLLIN, 0}, {sched->abort_fd, POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
  }
  ::close(fd);  // before exitsyscall: at the run's end it does not return (the G unwinds)
  exitsyscall();
}

}  // namespace gosim::runtime
