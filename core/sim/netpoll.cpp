// The network poller: netpoll.go, netpoll_epoll.go, proc.go:findRunnable
// steps 9 and 14, sysmon's poll, injectglist (§6).
//
// A `netwait D` op parks its G ("IO wait") and its file descriptor becomes
// ready D later (netq_, a min-heap by readiness time). Readiness is only
// noticed when someone polls: a non-blocking poll in findRunnable (before
// stealing), sysmon's poll when nobody polled for 10 ms, or the single M
// blocked in netpoll (lastpoll_ == 0), which returns as soon as a descriptor
// is ready or when its timeout expires (timeouts have 1 ms granularity:
// under 1 ms rounds up to 1 ms, above rounds down). One poll returns at most
// 128 Gs, the last-ready first (netpollready pushes on a gList). As in Go
// 1.19, netpollWaiters is never decremented when netpoll readies a G
// (golang/go#33624), so after the first network wait every findRunnable
// that gets that far pays for a non-blocking poll.
#include <algorithm>

#include "sim/sched.h"

namespace gosim::sim {

namespace {
bool net_later(const TimerEntry& a, const TimerEntry& b) {
  return a.when != b.when ? a.when > b.when : a.seq > b.seq;
}
constexpr std::size_t kNetpollMax = 128;
}  // namespace

void Sched::netwait(M& m, Nanos d) {
  if (!cfg_.mechanisms.netpoller) {
    entersyscall(m, d, /*block=*/true);
    return;
  }
  netpoll_waiters_ = true;
  std::int32_t g = m.curg;
  gopark(m, trace::BlockReason::NetWait, Why::BlockNet, -1, now_ + d);
  netq_.push_back({now_ + d, timer_seq_++, g});
  std::push_heap(netq_.begin(), netq_.end(), net_later);
  netpoll_reschedule();
}

Nanos Sched::next_net_ready() const { return netq_.empty() ? kForever : netq_.front().when; }

// netpoll(0): the Gs whose descriptors are ready now (at most 128), in Go's
// order: epoll_wait reports descriptors in the order they became ready and
// netpoll_epoll.go:netpoll calls netpollready for each, which pushes the G
// on toRun, a gList (LIFO): the list starts with the last-ready G.
// findRunnable runs the head and injectglist keeps the order of the rest.
void Sched::netpoll(std::vector<std::int32_t>& out, std::int32_t m) {
  while (!netq_.empty() && netq_.front().when <= now_ && out.size() < kNetpollMax) {
    std::pop_heap(netq_.begin(), netq_.end(), net_later);
    out.push_back(netq_.back().g);
    netq_.pop_back();
  }
  std::reverse(out.begin(), out.end());
  for (std::int32_t g : out) {
    emit(EventKind::NetpollReady, m < 0 ? Why::NetpollSysmon : (lastpoll_ == 0 && m == netpoll_m_ ? Why::NetpollBlocking : Why::None), g, -1, m,
         static_cast<std::int64_t>(out.size()));
  }
}

// findRunnable step 14: block in netpoll until pollUntil or readiness.
void Sched::netpoll_block(M& m, Nanos poll_until) {
  const Nanos gran = cfg_.constants.netpoll_granularity;
  lastpoll_ = 0;
  netpoll_m_ = m.id;
  m.status = MStatus::Netpoll;
  Nanos wake = kForever;
  if (poll_until < kForever) {
    Nanos delay = poll_until - now_;
    if (delay <= 0) {
      // The timer is overdue on a P this M could not check (its spinning
      // limit forbade stealing): poll once more after the granularity
      // instead of returning at once forever.
      wake = now_ + gran;
    } else if (delay < gran) {
      wake = now_ + gran;
    } else {
      wake = now_ + delay / gran * gran;
    }
  }
  wake = std::min(wake, next_net_ready());
  m.wake_at = wake;
  cancel(m);
  if (wake < kForever) at(m, wake, MAct::NetpollReturn);
}

// A new network wait: the blocked poller returns when its descriptor is ready.
void Sched::netpoll_reschedule() {
  if (lastpoll_ != 0) return;
  M& m = ms_[static_cast<std::size_t>(netpoll_m_)];
  Nanos w = next_net_ready();
  if (w < m.wake_at) {
    m.wake_at = w;
    at(m, std::max(w, now_), MAct::NetpollReturn);
  }
}

void Sched::netpoll_return(M& m) {
  std::vector<std::int32_t> list;
  netpoll(list, m.id);
  lastpoll_ = now_;
  netpoll_m_ = -1;
  m.wake_at = 0;
  m.status = MStatus::Running;
  std::int32_t pid = gcwaiting_ ? -1 : pidleget();
  if (pid < 0) {
    injectglist(list, nullptr, Why::WakeNetpoll);
    stopm(m);
    return;
  }
  acquirep(m, pid);
  if (!list.empty()) {
    std::int32_t first = list.front();
    list.erase(list.begin());
    G& g = gs_[static_cast<std::size_t>(first)];
    g.status = GStatus::Runnable;
    ++g.wait_seq;
    ++runnable_;
    emit(EventKind::GoUnblock, Why::WakeNetpoll, first, pid, m.id, -1, 0, 0,
         static_cast<std::uint8_t>(trace::Queue::Direct));
    injectglist(list, &m, Why::WakeNetpoll);
    execute(m, first, false, Why::StartNetpoll, 0);
    return;
  }
  schedule(m);
}

}  // namespace gosim::sim
