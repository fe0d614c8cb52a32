"""The scheduler state after N events, computed from a gosim trace file alone.

This is the browser test's independent answer: it reads the trace file (not
the page's embedded data) and applies the event effects documented in
docs/trace-format.md and core/view/sched_state.cpp, written again here in
Python. The page must draw the same Ps, queues and Ms.
"""

import json

MAX_ID = 1 << 26


def valid(i):
    return 0 <= i < MAX_ID


class G:
    __slots__ = ("status", "where", "p", "m", "block", "assisting")

    def __init__(self):
        self.status = "unknown"  # runnable running waiting syscall dead
        self.where = None        # runnext local global direct
        self.p = -1
        self.m = -1
        self.block = None
        self.assisting = False   # between GCMarkAssistStart and Done (gcAssistAlloc)


class P:
    __slots__ = ("status", "m", "g", "runnext", "runq", "gc_worker")

    def __init__(self):
        self.status = "idle"  # running syscall gcstop
        self.m = -1
        self.g = -1
        self.runnext = -1
        self.runq = []
        self.gc_worker = False


class M:
    __slots__ = ("started", "parked", "spinning", "exited", "p", "g", "in_syscall")

    def __init__(self):
        self.started = False
        self.parked = False
        self.spinning = False
        self.exited = False
        self.p = -1
        self.g = -1
        self.in_syscall = False

    def status(self):
        if self.exited:
            return "exited"
        if not self.started:
            return "notstarted"
        if self.in_syscall:
            return "syscall"
        if self.parked:
            return "idle"
        if self.spinning:
            return "spinning"
        if self.p >= 0:
            return "running"
        return "nop"


def load_trace(path):
    with open(path) as f:
        return json.load(f)


class State:
    def __init__(self, header):
        self.gomaxprocs = int(header.get("gomaxprocs", 0) or 0)
        self.ps = [P() for _ in range(self.gomaxprocs)]
        self.ms = []
        self.gs = {}
        self.global_q = []
        cfg = header.get("config") or {}
        size = (cfg.get("constants") or {}).get("local_runq_size")
        self.runq_size = size if isinstance(size, int) and not isinstance(size, bool) and size > 1 else 256
        rn = (cfg.get("mechanisms") or {}).get("runnext")
        self.runnext_enabled = rn if isinstance(rn, bool) else True
        # mechanisms.syscall_handoff: off, nobody retakes a P in a syscall.
        ho = (cfg.get("mechanisms") or {}).get("syscall_handoff")
        self.handoff = ho if isinstance(ho, bool) else True

    def P(self, i):
        while i >= len(self.ps):
            self.ps.append(P())
        return self.ps[i]

    def M(self, i):
        while i >= len(self.ms):
            self.ms.append(M())
        return self.ms[i]

    def G(self, i):
        if i not in self.gs:
            self.gs[i] = G()
        return self.gs[i]

    def has_p(self, i):
        return valid(i) and i < len(self.ps)

    def has_m(self, i):
        return valid(i) and i < len(self.ms)

    # -- queues
    def unqueue(self, g):
        G_ = self.G(g)
        if G_.status != "runnable":
            return
        found = False
        if G_.where == "runnext":
            if valid(G_.p) and self.P(G_.p).runnext == g:
                self.ps[G_.p].runnext = -1
                found = True
        elif G_.where == "local":
            if valid(G_.p) and g in self.P(G_.p).runq:
                self.ps[G_.p].runq.remove(g)
                found = True
        elif G_.where == "global":
            if g in self.global_q:
                self.global_q.remove(g)
                found = True
        else:
            found = True
        if not found:
            for p in self.ps:
                if p.runnext == g:
                    p.runnext = -1
                if g in p.runq:
                    p.runq.remove(g)
            if g in self.global_q:
                self.global_q.remove(g)
        G_.where = None

    def put_runnext(self, p, g):
        P_ = self.P(p)
        old = P_.runnext
        P_.runnext = g
        self.G(g).where, self.G(g).p = "runnext", p
        if old >= 0 and old != g:
            self.put_local(p, old)

    def put_local(self, p, g):
        P_ = self.P(p)
        if len(P_.runq) >= self.runq_size:
            half = len(P_.runq) // 2
            moved, P_.runq = P_.runq[:half], P_.runq[half:]
            for x in moved:
                self.put_global(x)
            self.put_global(g)
            return
        P_.runq.append(g)
        self.G(g).where, self.G(g).p = "local", p

    def put_global(self, g):
        self.global_q.append(g)
        self.G(g).where, self.G(g).p = "global", -1

    def stop_running(self, g):
        G_ = self.G(g)
        if self.has_p(G_.p) and self.ps[G_.p].g == g:
            self.ps[G_.p].g = -1
        if self.has_m(G_.m) and self.ms[G_.m].g == g:
            self.ms[G_.m].g = -1
        G_.p = G_.m = -1
        G_.assisting = False

    def make_runnable(self, g):
        self.G(g).status = "runnable"

    def release_p(self, p):
        P_ = self.P(p)
        if self.has_m(P_.m) and self.ms[P_.m].p == p:
            self.ms[P_.m].p = -1
            self.ms[P_.m].spinning = False
        P_.m = P_.g = -1
        P_.gc_worker = False
        P_.status = "idle"

    def attach(self, m, p):
        M_, P_ = self.M(m), self.P(p)
        if valid(P_.m) and P_.m != m and self.has_m(P_.m) and self.ms[P_.m].p == p:
            self.ms[P_.m].p = -1
            self.ms[P_.m].spinning = False
        if valid(M_.p) and M_.p != p and self.has_p(M_.p) and self.ps[M_.p].m == m and self.ps[M_.p].status != "syscall":
            self.ps[M_.p].m = -1
            self.ps[M_.p].status = "idle"
        M_.p, M_.started, M_.parked = p, True, False
        P_.m, P_.status = m, "running"

    # -- events
    def apply(self, e):
        kind = e["ev"]
        g, p, m = e.get("g", -1), e.get("p", -1), e.get("m", -1)
        a0, a1 = e.get("a0", 0), e.get("a1", 0)
        reason = e.get("reason")
        has_g, has_p, has_m = valid(g), valid(p), valid(m)
        if has_m:
            self.M(m).started = True
        if has_p:
            self.P(p)
        if has_g:
            self.G(g)

        if kind == "GoCreate":
            if not has_g:
                return
            self.gs[g] = G()
            self.make_runnable(g)
            target = p
            if not valid(target) and valid(a0) and a0 in self.gs and self.gs[a0].status == "running":
                target = self.gs[a0].p
            if not valid(target):
                self.put_global(g)
            elif self.runnext_enabled:
                self.put_runnext(target, g)
            else:
                self.put_local(target, g)
        elif kind == "GoStart":
            if not has_g:
                return
            # globrunqget (proc.go): from the global queue, a batch of
            # min(n, n/GOMAXPROCS + 1, len(local)/2) comes along to the local
            # queue; the fairness check (every 61st tick) takes one.
            batch = 0
            why = e.get("why")
            if why in ("StartGlobal", "StartFairness") and has_p and self.gs[g].status == "runnable" \
                    and self.gs[g].where == "global":
                n = len(self.global_q)
                procs = self.gomaxprocs if self.gomaxprocs > 0 else max(1, len(self.ps))
                batch = min(n, n // procs + 1)
                if why == "StartFairness":
                    batch = min(batch, 1)
                batch = min(batch, self.runq_size // 2)
            self.unqueue(g)
            for _ in range(1, batch):
                if not self.global_q:
                    break
                self.put_local(p, self.global_q.pop(0))
            G_ = self.gs[g]
            G_.status = "running"
            if has_p:
                if has_m:
                    self.attach(m, p)
                self.ps[p].g = g
                G_.p = p
            if has_m:
                M_ = self.ms[m]
                M_.g, M_.spinning, M_.in_syscall, M_.parked = g, False, False, False
                G_.m = m
        elif kind in ("GoEnd", "GoStop", "GoBlock"):
            if not has_g:
                return
            self.stop_running(g)
            G_ = self.gs[g]
            if kind == "GoEnd":
                G_.status = "dead"
            else:
                G_.status = "waiting"
                G_.block = "SelectNoCases" if kind == "GoStop" else reason
        elif kind in ("GoSched", "GoPreempt"):
            if not has_g:
                return
            was_on = self.gs[g].p
            if not valid(was_on):
                was_on = p
            if self.gs[g].status == "runnable":
                self.unqueue(g)
            self.stop_running(g)
            self.make_runnable(g)
            if kind == "GoPreempt" and reason == "Yield" and valid(was_on):
                self.put_local(was_on, g)
            else:
                self.put_global(g)
        elif kind == "GoUnblock":
            if not has_g:
                return
            if self.gs[g].status == "runnable":
                self.unqueue(g)
            self.make_runnable(g)
            if reason == "Runnext":
                self.put_runnext(p, g) if has_p else self.put_global(g)
            elif reason == "Local":
                self.put_local(p, g) if has_p else self.put_global(g)
            elif reason == "Direct":
                self.gs[g].where, self.gs[g].p = "direct", p
            else:
                self.put_global(g)
        elif kind == "GoSysCall":
            if not has_g:
                return
            G_ = self.gs[g]
            pp = G_.p if valid(G_.p) else p
            mm = G_.m if valid(G_.m) else m
            G_.status, G_.m, G_.p = "syscall", mm, -1
            G_.assisting = False
            if valid(pp):
                P_ = self.P(pp)
                if P_.g == g:
                    P_.g = -1
                P_.status = "syscall"
            if valid(mm):
                M_ = self.M(mm)
                M_.in_syscall, M_.g, M_.spinning = True, g, False
        elif kind == "GoSysBlock":
            if has_p:
                P_ = self.ps[p]
                if self.has_m(P_.m) and self.ms[P_.m].p == p:
                    self.ms[P_.m].p = -1
                P_.m = P_.g = -1
                P_.status = "idle"
        elif kind == "GoSysExit":
            if not has_g:
                return
            G_ = self.gs[g]
            mm = G_.m if valid(G_.m) else m
            if valid(mm):
                M_ = self.M(mm)
                M_.in_syscall = False
                if valid(M_.p) and M_.p != p and self.has_p(M_.p) and self.ps[M_.p].m == mm and \
                        self.ps[M_.p].status == "syscall":
                    self.release_p(M_.p)
            if has_p:
                if valid(mm):
                    self.attach(mm, p)
                self.ps[p].g = g
                G_.status, G_.p, G_.m = "running", p, mm
                if valid(mm):
                    self.ms[mm].g = g
            else:
                if valid(mm):
                    M_ = self.ms[mm]
                    if M_.g == g:
                        M_.g = -1
                    if valid(M_.p) and self.has_p(M_.p) and self.ps[M_.p].m == mm:
                        self.release_p(M_.p)
                    M_.p = -1
                G_.m = -1
                self.make_runnable(g)
                self.put_global(g)
        elif kind == "ProcStart":
            if has_p and has_m:
                self.attach(m, p)
        elif kind == "ProcStop":
            if has_p:
                self.release_p(p)
                if reason == "GCStop":
                    self.ps[p].status = "gcstop"
        elif kind == "ProcSteal":
            if not has_p:
                return
            if has_m:
                self.attach(m, p)
            victim = a0
            if not valid(victim) or victim == p:
                return
            V = self.P(victim)
            stolen = []
            while len(stolen) < a1 and V.runq:
                stolen.append(V.runq.pop(0))
            if len(stolen) < a1 and V.runnext >= 0:
                stolen.append(V.runnext)
                V.runnext = -1
            for x in stolen:
                self.ps[p].runq.append(x)
                self.G(x).where, self.G(x).p = "local", p
        elif kind == "HandoffP":
            if not has_p:
                return
            if self.has_m(a0) and self.ms[a0].p == p:
                self.ms[a0].p = -1
            if has_m:
                self.attach(m, p)
            else:
                self.release_p(p)
                if reason == "STW":
                    self.ps[p].status = "gcstop"
        elif kind == "MStart":
            if has_m:
                self.ms[m] = M()
                self.ms[m].started = True
                if has_p:
                    self.attach(m, p)
        elif kind == "MPark":
            if has_m:
                M_ = self.ms[m]
                if valid(M_.p) and self.has_p(M_.p) and self.ps[M_.p].m == m and self.ps[M_.p].status != "syscall":
                    self.release_p(M_.p)
                M_.p = M_.g = -1
                M_.parked, M_.spinning, M_.in_syscall = True, False, False
        elif kind == "MUnpark":
            if has_m:
                self.ms[m].parked = False
                if has_p:
                    self.attach(m, p)
        elif kind == "MSpin":
            if has_m:
                if has_p:
                    self.attach(m, p)
                self.ms[m].spinning = True
                self.ms[m].parked = False
        elif kind == "MSpinStop":
            if has_m:
                self.ms[m].spinning = False
        elif kind == "MExit":
            if has_m:
                M_ = self.ms[m]
                if valid(M_.p) and self.has_p(M_.p) and self.ps[M_.p].m == m:
                    self.release_p(M_.p)
                M_.p = M_.g = -1
                M_.exited, M_.parked, M_.spinning, M_.in_syscall = True, False, False, False
        elif kind == "STWStart":
            # stopTheWorldWithSema: idle Ps go to _Pgcstop at once (no event).
            for P_ in self.ps:
                if P_.status == "idle":
                    P_.status = "gcstop"
        elif kind == "STWDone":
            # startTheWorldWithSema: stopped Ps without work go back to pidle.
            for i, P_ in enumerate(self.ps):
                if P_.status == "gcstop":
                    self.release_p(i)
        elif kind == "GCMarkAssistStart":
            if has_g:
                self.gs[g].assisting = True
        elif kind == "GCMarkAssistDone":
            if has_g:
                self.gs[g].assisting = False
        elif kind == "GCWorkerStart":
            if has_p:
                if has_m:
                    self.attach(m, p)
                self.ps[p].gc_worker = True
        elif kind == "GCWorkerStop":
            if has_p:
                self.ps[p].gc_worker = False

    def snapshot(self):
        """What the page's picture must show."""
        return {
            "procs": [{"p": i, "status": P_.status, "m": P_.m, "g": P_.g, "runnext": P_.runnext,
                       "local": list(P_.runq),
                       # the G on it paying a mark assist, -1 none
                       "assist": P_.g if P_.g >= 0 and self.G(P_.g).assisting else -1,
                       # kept by its M in a syscall that nobody may retake
                       "held": P_.status == "syscall" and not self.handoff}
                      for i, P_ in enumerate(self.ps)],
            "assists": sorted(g for g, G_ in self.gs.items() if G_.assisting and G_.status == "running"),
            "global": list(self.global_q),
            "threads": [{"m": i, "status": M_.status(), "p": M_.p, "g": M_.g}
                        for i, M_ in enumerate(self.ms) if M_.status() != "notstarted"],
        }


def state_after(trace, count):
    s = State(trace["header"])
    for e in trace["events"][:count]:
        s.apply(e)
    return s


def run_spans(trace):
    """(g, p, from, to): each stretch a G runs on a P, GoStart (or a fast
    GoSysExit) to the event that takes it off, straight from the file."""
    out, open_ = [], {}
    for e in trace["events"]:
        kind, g = e["ev"], e.get("g", -1)
        if kind == "GoStart" or (kind == "GoSysExit" and e.get("p", -1) >= 0):
            open_[g] = (e.get("p", -1), e["t"])
        elif kind in ("GoEnd", "GoBlock", "GoSched", "GoPreempt", "GoStop", "GoSysCall") and g in open_:
            p, t0 = open_.pop(g)
            out.append((g, p, t0, e["t"]))
    return out
