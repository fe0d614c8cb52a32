// Channels and select: chan.go:chansend, chanrecv, closechan, select.go:selectgo (§7.3).
//
// A channel holds only a count of buffered values (values carry no data in
// scenarios). Waiters are sudogs in FIFO lists; a select parks one sudog per
// case, and whichever case fires first wins: the woken G's wait_seq is bumped
// so its other sudogs become stale and are skipped (and freed) when they
// reach the head of their queue (dequeue's "selectDone" check in Go).
// The partner of a completed operation is readied with goready into the
// current P's runnext; the current G continues without yielding.
// Sending on a closed channel and closing a closed channel panic, ending the
// run with Go's message.
#include "sim/sched.h"

namespace gosim::sim {

using trace::BlockReason;

std::int32_t Sched::sudog_new(std::int32_t g, std::int16_t arm, bool is_send) {
  std::int32_t s;
  if (sudog_free_ >= 0) {
    s = sudog_free_;
    sudog_free_ = sudogs_[static_cast<std::size_t>(s)].next;
  } else {
    s = static_cast<std::int32_t>(sudogs_.size());
    sudogs_.emplace_back();
  }
  Sudog& sd = sudogs_[static_cast<std::size_t>(s)];
  sd.g = g;
  sd.next = -1;
  sd.seq = gs_[static_cast<std::size_t>(g)].wait_seq;
  sd.arm = arm;
  sd.is_send = is_send;
  return s;
}

void Sched::enqueue(WaitQ& q, std::int32_t s, bool lifo) {
  Sudog& sd = sudogs_[static_cast<std::size_t>(s)];
  if (q.head < 0) {
    sd.next = -1;
    q.head = q.tail = s;
  } else if (lifo) {
    sd.next = q.head;
    q.head = s;
  } else {
    sd.next = -1;
    sudogs_[static_cast<std::size_t>(q.tail)].next = s;
    q.tail = s;
  }
}

// Drops stale sudogs at the head; true if a live waiter remains.
bool Sched::has_waiter(WaitQ& q) {
  while (q.head >= 0) {
    Sudog& sd = sudogs_[static_cast<std::size_t>(q.head)];
    const G& g = gs_[static_cast<std::size_t>(sd.g)];
    if (g.status == GStatus::Waiting && g.wait_seq == sd.seq) return true;
    std::int32_t s = q.head;
    q.head = sd.next;
    if (q.head < 0) q.tail = -1;
    sudog_free(s);
  }
  return false;
}

// waitq.dequeue: the first live waiter's G (its select arm recorded), or -1.
std::int32_t Sched::dequeue(WaitQ& q) {
  if (!has_waiter(q)) return -1;
  std::int32_t s = q.head;
  Sudog& sd = sudogs_[static_cast<std::size_t>(s)];
  q.head = sd.next;
  if (q.head < 0) q.tail = -1;
  G& g = gs_[static_cast<std::size_t>(sd.g)];
  if (sd.arm >= 0) {
    g.resume = Resume::SelectArm;
    g.select_arm = sd.arm;  // < kMaxSelectCases
  }
  const std::int32_t gi = sd.g;
  sudog_free(s);
  return gi;
}

bool Sched::chansend(M& m, std::int32_t c) {
  Chan& ch = chans_[static_cast<std::size_t>(c)];
  if (ch.closed) {
    panic_run("send on closed channel", false);
    return false;
  }
  std::int32_t r = dequeue(ch.recvq);
  if (r >= 0) {
    ready(r, m.curg, Why::WakeChanSend, true, m.p);  // send: direct to the receiver
    return true;
  }
  if (ch.count < ch.cap) {
    ++ch.count;
    return true;
  }
  enqueue(ch.sendq, sudog_new(m.curg, -1, true));
  gopark(m, BlockReason::ChanSend, Why::BlockChanSend, c);
  return false;
}

bool Sched::chanrecv(M& m, std::int32_t c) {
  Chan& ch = chans_[static_cast<std::size_t>(c)];
  std::int32_t s = dequeue(ch.sendq);
  if (s >= 0) {
    // Unbuffered: take the sender's value; buffered (full): take the head
    // and the sender's value fills the freed slot. Either way count is kept.
    ready(s, m.curg, Why::WakeChanRecv, true, m.p);
    return true;
  }
  if (ch.count > 0) {
    --ch.count;
    return true;
  }
  if (ch.closed) return true;  // zero value
  enqueue(ch.recvq, sudog_new(m.curg, -1, false));
  gopark(m, BlockReason::ChanRecv, Why::BlockChanRecv, c);
  return false;
}

void Sched::closechan(M& m, std::int32_t c) {
  Chan& ch = chans_[static_cast<std::size_t>(c)];
  if (ch.closed) {
    panic_run("close of closed channel", false);
    return;
  }
  ch.closed = true;
  // Go's closechan dequeues every receiver, then every sender, pushing each
  // on a gList (a LIFO stack, proc.go gList.push), and goreadies them as it
  // pops: the last sender first ... the first receiver last, so the first
  // receiver ends in runnext. Here, without a million-entry list: reverse
  // both queues in place, then ready the senders, then the receivers. A
  // select G waiting on both queues of this channel must still come out as a
  // receiver (Go dequeues recvq first, and its selectDone CAS makes the
  // sendq sudog stale): reversing recvq claims each live select sudog, which
  // takes its G's next wait_seq so that the G's other sudogs go stale. Plain
  // sudogs are not looked at beyond their link: a million parked receivers
  // cost one pass over their sudogs.
  auto reverse = [this](WaitQ& q, bool claim) {
    std::int32_t prev = -1;
    q.tail = q.head;
    for (std::int32_t s = q.head; s >= 0;) {
      Sudog& sd = sudogs_[static_cast<std::size_t>(s)];
      if (claim && sd.arm >= 0) {
        G& g = gs_[static_cast<std::size_t>(sd.g)];
        if (g.status == GStatus::Waiting && g.wait_seq == sd.seq) sd.seq = ++g.wait_seq;
      }
      const std::int32_t next = sd.next;
      sd.next = prev;
      prev = s;
      s = next;
    }
    q.head = prev;
  };
  reverse(ch.recvq, true);
  reverse(ch.sendq, false);
  for (std::int32_t g; (g = dequeue(ch.sendq)) >= 0;) {
    gs_[static_cast<std::size_t>(g)].panic_closed = true;
    ready(g, m.curg, Why::WakeChanClose, true, m.p);
  }
  for (std::int32_t g; (g = dequeue(ch.recvq)) >= 0;) ready(g, m.curg, Why::WakeChanClose, true, m.p);
}

// selectgo: poll the cases in a random order; the first ready one wins.
bool Sched::selectgo(M& m, const scenario::Instr& in) {
  const scenario::SelectTable& t = prog_.selects[static_cast<std::size_t>(in.target)];
  G* g = &gs_[static_cast<std::size_t>(m.curg)];
  const auto n = static_cast<std::int32_t>(t.arms.size());
  if (n == 0 && t.default_pc < 0) {
    // select {}: park forever.
    g->status = GStatus::Waiting;
    g->wait_reason = static_cast<std::uint8_t>(BlockReason::SelectNoCases);
    g->m = -1;
    emit(EventKind::GoStop, Why::None, m.curg, m.p, m.id, -1, -1, 0,
         static_cast<std::uint8_t>(BlockReason::SelectNoCases));
    m.curg = -1;
    at(m, now_ + cfg_.costs.context_switch, MAct::Schedule);
    return false;
  }
  // pollorder: Fisher-Yates with fastrandn.
  std::int32_t order[64];
  std::vector<std::int32_t> big;
  std::int32_t* po = order;
  if (n > 64) {
    big.resize(static_cast<std::size_t>(n));
    po = big.data();
  }
  for (std::int32_t i = 0; i < n; ++i) {
    std::int32_t j = static_cast<std::int32_t>(rng_.below(static_cast<std::uint64_t>(i) + 1));
    po[i] = po[j];
    po[j] = i;
  }
  for (std::int32_t k = 0; k < n; ++k) {
    const scenario::SelectArm& arm = t.arms[static_cast<std::size_t>(po[k])];
    Chan& ch = chans_[static_cast<std::size_t>(arm.chan)];
    bool ok;
    if (arm.is_send) {
      if (ch.closed) {
        panic_run("send on closed channel", false);
        return false;
      }
      ok = has_waiter(ch.recvq) || ch.count < ch.cap;
      if (ok) chansend(m, arm.chan);
    } else {
      ok = has_waiter(ch.sendq) || ch.count > 0 || ch.closed;
      if (ok) chanrecv(m, arm.chan);
    }
    if (ok) {
      scenario::enter_select_arm(prog_, g->cur, in, po[k]);
      return true;
    }
  }
  if (t.default_pc >= 0) {
    scenario::enter_select_arm(prog_, g->cur, in, -1);
    return true;
  }
  // Block on every case.
  g->op_pc = static_cast<std::int32_t>(&in - prog_.code.data());
  for (std::int32_t i = 0; i < n; ++i) {
    const scenario::SelectArm& arm = t.arms[static_cast<std::size_t>(i)];
    Chan& ch = chans_[static_cast<std::size_t>(arm.chan)];
    std::int32_t s = sudog_new(m.curg, static_cast<std::int16_t>(i), arm.is_send);
    enqueue(arm.is_send ? ch.sendq : ch.recvq, s);
  }
  gopark(m, BlockReason::Select, Why::BlockSelect, -1);
  return false;
}

}  // namespace gosim::sim
