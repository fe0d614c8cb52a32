// gosim HTML view: the script of the page `gosim view --html` writes.
//
// Everything it shows comes from the JSON block #gosim-data (html.cpp): one
// or two traces stored by column, the vocabulary's names, each trace's
// summary (the terminal's text) and the templates of the why words. Names
// from scenarios are strangers' text: they reach the screen only through
// textContent, attribute values and canvas fillText, never as markup.
//
// Parts, top to bottom:
//   decode       columns -> typed arrays
//   Sched        the scheduler state replayed from events (same rules as
//                core/view/sched_state.cpp; docs/trace-format.md)
//   buildIndex   one pass over a trace: lane slices, counters, arrows,
//                latency samples and replay checkpoints
//   timeline     canvas drawing with level of detail: only what is visible,
//                slices smaller than a pixel merged into density columns
//   picture      the G/M/P state at the cursor, as DOM with data-* attributes
//                (the browser test reads them)
//   plots, summary, controls
// Only ASCII in this file: it is pasted into a C++ raw string.
'use strict';
(function () {
  const perf = { start: performance.now() };
  const errors = [];
  const api = { ready: false, perf, errors };
  window.gosim = api;

  // ---------------------------------------------------------------- decode
  const data = JSON.parse(document.getElementById('gosim-data').textContent);
  perf.parsed = performance.now();
  const NAMES = data.names;
  const kindIndex = (name, fallback) => {
    const i = NAMES.kinds.indexOf(name);
    return i >= 0 ? i : fallback;
  };
  // Event kinds, by name (event.h order as the fallback).
  const KN = ['GoCreate', 'GoStart', 'GoEnd', 'GoStop', 'GoSched', 'GoPreempt', 'GoBlock', 'GoUnblock',
    'GoSysCall', 'GoSysBlock', 'GoSysExit', 'ProcStart', 'ProcStop', 'ProcSteal', 'HandoffP', 'MStart',
    'MPark', 'MUnpark', 'MSpin', 'MSpinStop', 'MExit', 'SysmonWake', 'NetpollReady', 'TimerFire',
    'GCStart', 'GCDone', 'STWStart', 'STWDone', 'GCMarkAssistStart', 'GCMarkAssistDone', 'GCWorkerStart',
    'GCWorkerStop', 'Counter'];
  const K = {};
  KN.forEach((n, i) => { K[n] = kindIndex(n, i); });
  const counterIndex = (name, fallback) => {
    const i = NAMES.counters.indexOf(name);
    return i >= 0 ? i : fallback;
  };
  const C = {
    GlobalRunq: counterIndex('GlobalRunq', 0), LocalRunq: counterIndex('LocalRunq', 1),
    Threads: counterIndex('Threads', 2), IdleThreads: counterIndex('IdleThreads', 3),
    SpinningMs: counterIndex('SpinningMs', 4), IdlePs: counterIndex('IdlePs', 5),
    Goroutines: counterIndex('Goroutines', 6), RunnableGs: counterIndex('RunnableGs', 7),
    HeapLive: counterIndex('HeapLive', 8), HeapGoal: counterIndex('HeapGoal', 9),
  };
  // Enumerations carried in Event.reason (event.h).
  const Q = { Runnext: 0, Local: 1, Global: 2, Direct: 3 };
  const PREEMPT_YIELD = 2;
  // Why codes the replay needs (GoStart from the global queue brings a batch).
  const whyIndex = (name, fallback) => {
    const i = (NAMES.whys || []).indexOf(name);
    return i >= 0 ? i : fallback;
  };
  const W = { StartGlobal: whyIndex('StartGlobal', 3), StartFairness: whyIndex('StartFairness', 4) };
  const BLOCK = { Sleep: 6, NetWait: 7, Syscall: 9 };
  const STW_NAMES = ['sweep termination', 'mark termination'];

  function decode(src, index) {
    const n = src.n;
    const c = src.cols;
    const tr = { index, src, n, header: src.header || {}, outcome: src.outcome || {} };
    tr.t = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) { acc += c.dt[i]; tr.t[i] = acc; }
    tr.k = Uint8Array.from(c.k);
    tr.r = Uint8Array.from(c.r);
    tr.w = Uint16Array.from(c.w);
    tr.g = Int32Array.from(c.g);
    tr.p = Int32Array.from(c.p);
    tr.m = Int32Array.from(c.m);
    tr.a0 = Float64Array.from(c.a0);
    tr.a1 = Float64Array.from(c.a1);
    tr.a2 = Float64Array.from(c.a2);
    let maxG = -1, maxP = (tr.header.gomaxprocs | 0) - 1, maxM = -1;
    for (let i = 0; i < n; i++) {
      if (tr.g[i] > maxG) maxG = tr.g[i];
      if (tr.p[i] > maxP) maxP = tr.p[i];
      if (tr.m[i] > maxM) maxM = tr.m[i];
      const k = tr.k[i];
      if (k === K.GoCreate || k === K.GoUnblock) { if (tr.a0[i] > maxG) maxG = tr.a0[i]; }
      if (k === K.ProcSteal && tr.a0[i] > maxP) maxP = tr.a0[i];
      if (k === K.HandoffP && tr.a0[i] > maxM) maxM = tr.a0[i];
    }
    tr.nG = maxG + 1; tr.nP = maxP + 1; tr.nM = maxM + 1;
    tr.tEnd = Math.max(n ? tr.t[n - 1] : 0, tr.outcome.end_time || 0);
    // Why words: templates per (kind, why, reason), exact words where a template does not fit.
    const why = src.why || { templates: [], exception_index: [], exception_string: [], strings: [] };
    tr.templates = new Map();
    for (const [k, w, r, neg, tpl] of why.templates) tr.templates.set(whyKey(k, w, r, neg), tpl);
    tr.exceptions = new Map();
    for (let i = 0; i < why.exception_index.length; i++)
      tr.exceptions.set(why.exception_index[i], why.strings[why.exception_string[i]]);
    const cfg = tr.header.config || {};
    // As SchedState(header) reads them: constants.local_runq_size,
    // mechanisms.runnext and mechanisms.syscall_handoff.
    const rq = deepGet(cfg, ['constants', 'local_runq_size']);
    tr.runqSize = Number.isInteger(rq) && rq > 1 ? rq : 256;
    const rn = deepGet(cfg, ['mechanisms', 'runnext']);
    tr.runnext = typeof rn === 'boolean' ? rn : true;
    // Hand-off off: sysmon never retakes a P whose M is in a syscall, so
    // the P waits for its M (the picture says so).
    const ho = deepGet(cfg, ['mechanisms', 'syscall_handoff']);
    tr.handoff = typeof ho === 'boolean' ? ho : true;
    tr.label = String.fromCharCode(65 + index);
    return tr;
  }
  function deepGet(o, path) {
    for (const p of path) {
      if (o === null || typeof o !== 'object' || !(p in o)) return undefined;
      o = o[p];
    }
    return o;
  }

  function whyKey(k, w, r, neg) { return ((k * 256 + w) * 256 + r) * 64 + neg; }
  // The why words of event i, as trace::describe gives them (html.cpp checked
  // every event against its template; the others carry their own words).
  function whyWords(tr, i) {
    const ex = tr.exceptions.get(i);
    if (ex !== undefined) return ex;
    const neg = (tr.g[i] < 0 ? 1 : 0) | (tr.p[i] < 0 ? 2 : 0) | (tr.m[i] < 0 ? 4 : 0) |
      (tr.a0[i] < 0 ? 8 : 0) | (tr.a1[i] < 0 ? 16 : 0) | (tr.a2[i] < 0 ? 32 : 0);
    const tpl = tr.templates.get(whyKey(tr.k[i], tr.w[i], tr.r[i], neg));
    if (tpl === undefined) return KN[tr.k[i]] || ('kind ' + tr.k[i]);
    const parts = tpl.split('\u0001');
    let out = '';
    for (let j = 0; j < parts.length; j++) {
      if (j % 2 === 0) { out += parts[j]; continue; }
      const tok = parts[j];
      if (tok.length === 1) out += String(field(tr, i, tok));
      else {
        const table = { f: 'functions', c: 'channels', x: 'mutexes', w: 'waitgroups' }[tok[0]];
        const arr = tr.header[table] || [];
        const idx = field(tr, i, tok[1]);
        out += idx >= 0 && idx < arr.length ? String(arr[idx]) : '?';
      }
    }
    return out;
  }
  function field(tr, i, f) {
    switch (f) {
      case 'g': return tr.g[i];
      case 'p': return tr.p[i];
      case 'm': return tr.m[i];
      case '0': return tr.a0[i];
      case '1': return tr.a1[i];
      case '2': return tr.a2[i];
    }
    return 0;
  }

  // ----------------------------------------------------------------- Sched
  // A port of core/view/sched_state.cpp (the terminal views' replayer): the
  // same rules, case by case, so the page and the terminal agree. Replay
  // trusts the trace: Gs move only where events say they went.
  const GS = { Unknown: 0, Runnable: 1, Running: 2, Waiting: 3, Syscall: 4, Dead: 5 };
  const GS_NAMES = ['unknown', 'runnable', 'running', 'waiting', 'syscall', 'dead'];
  const GW = { None: 0, Runnext: 1, Local: 2, Global: 3, Direct: 4 };
  const PS_NAMES = ['idle', 'running', 'syscall', 'gcstop'];
  const PS = { Idle: 0, Running: 1, Syscall: 2, GCStop: 3 };
  const MS_NAMES = ['notstarted', 'running', 'spinning', 'syscall', 'idle', 'nop', 'exited'];
  const MS = { NotStarted: 0, Running: 1, Spinning: 2, Syscall: 3, Idle: 4, NoP: 5, Exited: 6 };
  const MAX_ID = 1 << 26;
  const validId = (id) => id >= 0 && id < MAX_ID;
  const PROC_STOP_GCSTOP = 2, HANDOFF_STW = 2, BLOCK_SELECT_NO_CASES = 3;

  function newP() { return { status: PS.Idle, m: -1, g: -1, runnext: -1, runq: [], gcw: false, wmode: 0 }; }
  function newM() { return { started: false, parked: false, spinning: false, exited: false, p: -1, g: -1, sys: false }; }
  function mStatus(m) {
    if (m.exited) return MS.Exited;
    if (!m.started) return MS.NotStarted;
    if (m.sys) return MS.Syscall;
    if (m.parked) return MS.Idle;
    if (m.spinning) return MS.Spinning;
    if (m.p >= 0) return MS.Running;
    return MS.NoP;
  }
  function removeFrom(arr, x) {
    const i = arr.indexOf(x);
    if (i < 0) return false;
    arr.splice(i, 1);
    return true;
  }

  class Sched {
    constructor(tr) {
      this.tr = tr;
      const nG = Math.max(tr.nG, 1);
      this.gStatus = new Uint8Array(nG);
      this.gWhere = new Uint8Array(nG);
      this.gP = new Int32Array(nG).fill(-1);
      this.gM = new Int32Array(nG).fill(-1);
      this.gFn = new Int32Array(nG).fill(-1);
      this.gBlock = new Uint8Array(nG);
      this.gReady = new Float64Array(nG).fill(-1);
      this.gAssist = new Uint8Array(nG);
      this.gDebt = new Float64Array(nG);
      this.ps = [];
      for (let p = 0; p < (tr.header.gomaxprocs | 0); p++) this.ps.push(newP());
      this.ms = [];
      this.global = [];
      this.applied = 0;
      this.now = 0;
      this.gc = false; this.gcCycle = 0; this.stw = false; this.stwKind = 0;
      this.heapLive = -1; this.heapGoal = -1;
      this.touchedP = null;  // set by buildIndex: ids of Ps and Ms an event changed
      this.touchedM = null;
    }
    clone() {
      const s = Object.create(Sched.prototype);
      s.tr = this.tr;
      for (const f of ['gStatus', 'gWhere', 'gP', 'gM', 'gFn', 'gBlock', 'gReady', 'gAssist', 'gDebt']) s[f] = this[f].slice();
      s.ps = this.ps.map((p) => Object.assign({}, p, { runq: p.runq.slice() }));
      s.ms = this.ms.map((m) => Object.assign({}, m));
      s.global = this.global.slice();
      for (const f of ['applied', 'now', 'gc', 'gcCycle', 'stw', 'stwKind', 'heapLive', 'heapGoal']) s[f] = this[f];
      s.touchedP = null; s.touchedM = null;
      return s;
    }
    // Every change to a P or an M goes through these (so buildIndex sees it).
    P(p) {
      while (p >= this.ps.length) this.ps.push(newP());
      if (this.touchedP) this.touchedP.push(p);
      return this.ps[p];
    }
    M(m) {
      while (m >= this.ms.length) this.ms.push(newM());
      if (this.touchedM) this.touchedM.push(m);
      return this.ms[m];
    }
    hasP(p) { return validId(p) && p < this.ps.length; }
    hasM(m) { return validId(m) && m < this.ms.length; }
    validG(g) { return validId(g) && g < this.gStatus.length; }

    unqueue(g) {
      if (this.gStatus[g] !== GS.Runnable) return;
      let found = false;
      const p = this.gP[g];
      switch (this.gWhere[g]) {
        case GW.Runnext:
          if (validId(p) && this.P(p).runnext === g) { this.ps[p].runnext = -1; found = true; }
          break;
        case GW.Local: found = validId(p) && removeFrom(this.P(p).runq, g); break;
        case GW.Global: found = removeFrom(this.global, g); break;
        default: found = true; break;
      }
      if (!found) {
        for (let q = 0; q < this.ps.length; q++) {
          const P = this.ps[q];
          if (P.runnext === g) P.runnext = -1;
          removeFrom(P.runq, g);
        }
        removeFrom(this.global, g);
      }
      this.gWhere[g] = GW.None;
    }
    stopRunning(g) {
      const p = this.gP[g], m = this.gM[g];
      if (this.hasP(p) && this.ps[p].g === g) this.P(p).g = -1;
      if (this.hasM(m) && this.ms[m].g === g) this.M(m).g = -1;
      this.gP[g] = -1; this.gM[g] = -1;
      this.gAssist[g] = 0;  // an assist is the G's own time: it ends when the G stops
    }
    makeRunnable(g) {
      this.gStatus[g] = GS.Runnable;
      this.gReady[g] = -1;
    }
    putRunnext(p, g) {
      const P = this.P(p);
      const old = P.runnext;
      P.runnext = g;
      this.gWhere[g] = GW.Runnext; this.gP[g] = p;
      if (old >= 0 && old !== g) this.putLocal(p, old);
    }
    putLocal(p, g) {
      const P = this.P(p);
      if (P.runq.length >= this.tr.runqSize) {
        const moved = P.runq.splice(0, P.runq.length >> 1);
        for (const x of moved) this.putGlobal(x);
        this.putGlobal(g);
        return;
      }
      P.runq.push(g);
      this.gWhere[g] = GW.Local; this.gP[g] = p;
    }
    putGlobal(g) {
      this.global.push(g);
      this.gWhere[g] = GW.Global; this.gP[g] = -1;
    }
    releaseP(p) {
      const P = this.P(p);
      if (this.hasM(P.m) && this.ms[P.m].p === p) { const M = this.M(P.m); M.p = -1; M.spinning = false; }
      P.m = -1; P.g = -1; P.gcw = false; P.status = PS.Idle;
    }
    attach(m, p) {
      const M = this.M(m), P = this.P(p);
      if (validId(P.m) && P.m !== m && this.hasM(P.m) && this.ms[P.m].p === p) {
        const O = this.M(P.m); O.p = -1; O.spinning = false;
      }
      if (validId(M.p) && M.p !== p && this.hasP(M.p) && this.ps[M.p].m === m && this.ps[M.p].status !== PS.Syscall) {
        const O = this.P(M.p); O.m = -1; O.status = PS.Idle;
      }
      M.p = p; M.started = true; M.parked = false;
      P.m = m; P.status = PS.Running;
    }

    apply(i) {
      const tr = this.tr;
      const k = tr.k[i], g = tr.g[i], p = tr.p[i], m = tr.m[i], r = tr.r[i];
      const a0 = tr.a0[i], a1 = tr.a1[i];
      this.now = tr.t[i];
      this.applied = i + 1;
      const hasG = this.validG(g), hasP = validId(p), hasM = validId(m);
      if (hasM) this.M(m).started = true;
      if (hasP) this.P(p);
      switch (k) {
        case K.GoCreate: {
          if (!hasG) break;
          this.gWhere[g] = GW.None; this.gP[g] = -1; this.gM[g] = -1; this.gAssist[g] = 0;
          this.gFn[g] = a1;
          this.makeRunnable(g);
          let target = p;
          if (!validId(target) && this.validG(a0) && this.gStatus[a0] === GS.Running) target = this.gP[a0];
          if (!validId(target)) this.putGlobal(g);
          else if (tr.runnext) this.putRunnext(target, g);
          else this.putLocal(target, g);
          break;
        }
        case K.GoStart: {
          if (!hasG) break;
          // globrunqget: a G from the global queue brings a batch along to
          // the local queue (the trace records only the G that runs).
          let batch = 0;
          if ((tr.w[i] === W.StartGlobal || tr.w[i] === W.StartFairness) && hasP &&
              this.gStatus[g] === GS.Runnable && this.gWhere[g] === GW.Global) {
            const n = this.global.length;
            const procs = (tr.header.gomaxprocs | 0) > 0 ? (tr.header.gomaxprocs | 0) : Math.max(1, this.ps.length);
            batch = Math.min(n, Math.floor(n / procs) + 1);
            if (tr.w[i] === W.StartFairness) batch = Math.min(batch, 1);
            batch = Math.min(batch, Math.floor(tr.runqSize / 2));
          }
          this.unqueue(g);
          for (let j = 1; j < batch && this.global.length; j++) this.putLocal(p, this.global.shift());
          this.gStatus[g] = GS.Running;
          this.gReady[g] = -1;
          if (hasP) {
            if (hasM) this.attach(m, p);
            this.P(p).g = g;
            this.gP[g] = p;
          }
          if (hasM) {
            const M = this.M(m);
            M.g = g; M.spinning = false; M.sys = false; M.parked = false;
            this.gM[g] = m;
          }
          break;
        }
        case K.GoEnd: case K.GoStop: case K.GoBlock: {
          if (!hasG) break;
          this.stopRunning(g);
          this.gAssist[g] = 0;
          if (k === K.GoEnd) { this.gStatus[g] = GS.Dead; break; }
          this.gStatus[g] = GS.Waiting;
          this.gBlock[g] = k === K.GoStop ? BLOCK_SELECT_NO_CASES : r;
          this.gReady[g] = k === K.GoBlock ? a1 : -1;
          break;
        }
        case K.GoSched: case K.GoPreempt: {
          if (!hasG) break;
          let wasOn = this.gP[g];
          if (!validId(wasOn)) wasOn = p;
          if (this.gStatus[g] === GS.Runnable) this.unqueue(g);
          this.stopRunning(g);
          this.makeRunnable(g);
          const yieldLocal = k === K.GoPreempt && r === PREEMPT_YIELD;
          if (yieldLocal && validId(wasOn)) this.putLocal(wasOn, g);
          else this.putGlobal(g);
          break;
        }
        case K.GoUnblock: {
          if (!hasG) break;
          if (this.gStatus[g] === GS.Runnable) this.unqueue(g);
          this.makeRunnable(g);
          if (r === Q.Runnext) { if (hasP) this.putRunnext(p, g); else this.putGlobal(g); }
          else if (r === Q.Local) { if (hasP) this.putLocal(p, g); else this.putGlobal(g); }
          else if (r === Q.Direct) { this.gWhere[g] = GW.Direct; this.gP[g] = p; }
          else this.putGlobal(g);
          break;
        }
        case K.GoSysCall: {
          if (!hasG) break;
          const q = validId(this.gP[g]) ? this.gP[g] : p;
          const mm = validId(this.gM[g]) ? this.gM[g] : m;
          this.gStatus[g] = GS.Syscall;
          this.gAssist[g] = 0;
          this.gM[g] = mm; this.gP[g] = -1;
          if (validId(q)) {
            const P = this.P(q);
            if (P.g === g) P.g = -1;
            P.status = PS.Syscall;
          }
          if (validId(mm)) { const M = this.M(mm); M.sys = true; M.g = g; M.spinning = false; }
          break;
        }
        case K.GoSysBlock: {
          if (!hasP) break;
          const P = this.P(p);
          if (this.hasM(P.m) && this.ms[P.m].p === p) this.M(P.m).p = -1;
          P.m = -1; P.g = -1; P.status = PS.Idle;
          break;
        }
        case K.GoSysExit: {
          if (!hasG) break;
          const mm = validId(this.gM[g]) ? this.gM[g] : m;
          if (validId(mm)) {
            const M = this.M(mm);
            M.sys = false;
            if (validId(M.p) && M.p !== p && this.hasP(M.p) && this.ps[M.p].m === mm && this.ps[M.p].status === PS.Syscall)
              this.releaseP(M.p);
          }
          if (hasP) {
            if (validId(mm)) this.attach(mm, p);
            this.P(p).g = g;
            this.gStatus[g] = GS.Running;
            this.gP[g] = p; this.gM[g] = mm;
            if (validId(mm)) this.M(mm).g = g;
          } else {
            if (validId(mm)) {
              const M = this.M(mm);
              if (M.g === g) M.g = -1;
              if (validId(M.p) && this.hasP(M.p) && this.ps[M.p].m === mm) this.releaseP(M.p);
              M.p = -1;
            }
            this.gM[g] = -1;
            this.makeRunnable(g);
            this.putGlobal(g);
          }
          break;
        }
        case K.ProcStart:
          if (hasP && hasM) this.attach(m, p);
          break;
        case K.ProcStop:
          if (!hasP) break;
          this.releaseP(p);
          if (r === PROC_STOP_GCSTOP) this.P(p).status = PS.GCStop;
          break;
        case K.ProcSteal: {
          if (!hasP) break;
          const victim = a0;
          if (hasM) this.attach(m, p);
          if (!validId(victim) || victim === p) break;
          const V = this.P(victim);
          const stolen = [];
          for (let j = 0; j < a1 && V.runq.length; j++) stolen.push(V.runq.shift());
          if (stolen.length < a1 && V.runnext >= 0) { stolen.push(V.runnext); V.runnext = -1; }
          const T = this.P(p);
          for (const x of stolen) { T.runq.push(x); this.gWhere[x] = GW.Local; this.gP[x] = p; }
          break;
        }
        case K.HandoffP: {
          if (!hasP) break;
          if (this.hasM(a0) && this.ms[a0].p === p) this.M(a0).p = -1;
          if (hasM) this.attach(m, p);
          else {
            this.releaseP(p);
            if (r === HANDOFF_STW) this.P(p).status = PS.GCStop;
          }
          break;
        }
        case K.MStart:
          if (!hasM) break;
          this.ms[m] = newM();
          this.M(m).started = true;
          if (hasP) this.attach(m, p);
          break;
        case K.MPark: {
          if (!hasM) break;
          const M = this.M(m);
          if (validId(M.p) && this.hasP(M.p) && this.ps[M.p].m === m && this.ps[M.p].status !== PS.Syscall) this.releaseP(M.p);
          M.p = -1; M.g = -1; M.parked = true; M.spinning = false; M.sys = false;
          break;
        }
        case K.MUnpark:
          if (!hasM) break;
          this.M(m).parked = false;
          if (hasP) this.attach(m, p);
          break;
        case K.MSpin:
          if (!hasM) break;
          if (hasP) this.attach(m, p);
          this.M(m).spinning = true; this.ms[m].parked = false;
          break;
        case K.MSpinStop:
          if (hasM) this.M(m).spinning = false;
          break;
        case K.MExit: {
          if (!hasM) break;
          const M = this.M(m);
          if (validId(M.p) && this.hasP(M.p) && this.ps[M.p].m === m) this.releaseP(M.p);
          M.p = -1; M.g = -1; M.exited = true; M.parked = false; M.spinning = false; M.sys = false;
          break;
        }
        case K.GCStart:
          this.gc = true; this.gcCycle = a0; this.heapLive = a1; this.heapGoal = tr.a2[i];
          break;
        case K.GCDone:
          this.gc = false; this.gcCycle = a0; this.heapLive = a1;
          break;
        case K.STWStart:
          // stopTheWorldWithSema: idle Ps go to _Pgcstop at once (no event).
          this.stw = true; this.stwKind = r;
          for (const P of this.ps) if (P.status === PS.Idle) P.status = PS.GCStop;
          break;
        case K.STWDone:
          // startTheWorldWithSema: stopped Ps without work go back to pidle;
          // the others get an M in the events that follow.
          this.stw = false;
          for (let q = 0; q < this.ps.length; q++) if (this.ps[q].status === PS.GCStop) this.releaseP(q);
          break;
        case K.GCMarkAssistStart: if (hasG) { this.gAssist[g] = 1; this.gDebt[g] = a0; } break;
        case K.GCMarkAssistDone: if (hasG) this.gAssist[g] = 0; break;
        case K.GCWorkerStart:
          if (!hasP) break;
          if (hasM) this.attach(m, p);
          this.P(p).gcw = true; this.ps[p].wmode = r;
          break;
        case K.GCWorkerStop:
          if (hasP) this.P(p).gcw = false;
          break;
        case K.Counter:
          if (r === C.HeapLive) this.heapLive = a0;
          if (r === C.HeapGoal) this.heapGoal = a0;
          break;
        default:
          break;
      }
    }
  }

  // ------------------------------------------------------------ buildIndex
  // Replay checkpoints: at most about 64 per trace (each copies the per-G
  // arrays), and stepping back replays at most one interval.
  function checkpointEvery(n) { return Math.max(4096, Math.ceil(n / 64)); }

  function buildIndex(tr) {
    const s = new Sched(tr);
    s.touchedP = []; s.touchedM = [];
    const pl = [];      // per P: running slices {s, e, g}
    const pCurG = [], pCurT = [];
    const ml = [];      // per M: state changes {s, st}
    const mLast = [];
    const gl = new Array(tr.nG).fill(null);  // per G: status changes {s, st}
    const runnableSince = new Float64Array(Math.max(tr.nG, 1));
    const latency = [];
    const arrows = [];  // flat: t0, p0, g0, t1, p1, g1, kind (1: creation)
    const pendingFrom = new Map();  // g -> [t, fromP, fromG, kind]
    const steals = [], handoffs = [], gcSpans = [], stwSpans = [], workers = [];
    const assists = [];  // flat: t0, t1, g, p (GCMarkAssistStart .. Done, or until the G stops)
    const assistOpen = new Map();  // g -> [t0, p]
    const counters = new Map();  // counter id * 1024 + (p + 1) -> {t: [], v: []}
    const checkpoints = [];
    const every = checkpointEvery(tr.n);
    tr.checkpointEvery = every;
    let gcOpen = -1, gcCycle = 0, stwOpen = -1, stwKind = 0;
    const workerOpen = new Map();
    const laneP = (p) => {
      while (pl.length <= p) { pl.push({ s: [], e: [], g: [] }); pCurG.push(-1); pCurT.push(0); }
    };
    const laneM = (m) => {
      while (ml.length <= m) { ml.push({ s: [], st: [] }); mLast.push(MS.NotStarted); }
    };
    for (let i = 0; i < tr.n; i++) {
      if (i % every === 0) checkpoints.push(s.clone());
      const k = tr.k[i], t = tr.t[i], g = tr.g[i];
      const hasG = s.validG(g);
      const before = hasG ? s.gStatus[g] : 0;
      if ((k === K.GoUnblock || k === K.GoCreate) && hasG && s.validG(tr.a0[i])) {
        const from = tr.a0[i];
        const fromP = s.gStatus[from] === GS.Running ? s.gP[from] : -1;
        pendingFrom.set(g, [t, fromP, from, k === K.GoCreate ? 1 : 0]);
      }
      s.touchedP.length = 0; s.touchedM.length = 0;
      s.apply(i);
      for (const p of s.touchedP) {
        laneP(p);
        const now = s.ps[p].g;
        if (now === pCurG[p]) continue;
        if (pCurG[p] >= 0) { pl[p].s.push(pCurT[p]); pl[p].e.push(t); pl[p].g.push(pCurG[p]); }
        pCurG[p] = now; pCurT[p] = t;
      }
      for (const m of s.touchedM) {
        laneM(m);
        const st = mStatus(s.ms[m]);
        if (st === mLast[m]) continue;
        mLast[m] = st; ml[m].s.push(t); ml[m].st.push(st);
      }
      if (hasG) {
        if (k === K.GCMarkAssistStart && s.gAssist[g]) assistOpen.set(g, [t, s.gP[g]]);
        else if (assistOpen.size && !s.gAssist[g] && assistOpen.has(g)) {  // cheap when no assist is open
          const [t0, p0] = assistOpen.get(g);
          assists.push(t0, t, g, p0);
          assistOpen.delete(g);
        }
        const after = s.gStatus[g];
        if (after !== before) {
          if (!gl[g]) gl[g] = { s: [], st: [] };
          gl[g].s.push(t); gl[g].st.push(after);
          if (after === GS.Runnable) runnableSince[g] = t;
          if (after === GS.Running) {
            if (before === GS.Runnable) latency.push(t - runnableSince[g]);
            const f = pendingFrom.get(g);
            if (f) { arrows.push(f[0], f[1], f[2], t, s.gP[g], g, f[3]); pendingFrom.delete(g); }
          }
        }
      }
      switch (k) {
        case K.ProcSteal: steals.push(t, tr.p[i], tr.a0[i], tr.a1[i]); break;
        case K.HandoffP: handoffs.push(t, tr.p[i], tr.r[i]); break;
        case K.GCStart: gcOpen = t; gcCycle = tr.a0[i]; break;
        case K.GCDone: if (gcOpen >= 0) gcSpans.push(gcOpen, t, gcCycle); gcOpen = -1; break;
        case K.STWStart: stwOpen = t; stwKind = tr.r[i]; break;
        case K.STWDone: if (stwOpen >= 0) stwSpans.push(stwOpen, t, stwKind); stwOpen = -1; break;
        case K.GCWorkerStart: workerOpen.set(tr.p[i], t); break;
        case K.GCWorkerStop:
          if (workerOpen.has(tr.p[i])) { workers.push(workerOpen.get(tr.p[i]), t, tr.p[i]); workerOpen.delete(tr.p[i]); }
          break;
        case K.Counter: {
          const key = tr.r[i] * 1024 + (tr.p[i] + 1);
          let c = counters.get(key);
          if (!c) { c = { t: [], v: [] }; counters.set(key, c); }
          c.t.push(t); c.v.push(tr.a0[i]);
          break;
        }
        default: break;
      }
    }
    s.touchedP = null; s.touchedM = null;
    const end = tr.tEnd;
    for (let p = 0; p < pl.length; p++) {
      if (pCurG[p] >= 0) { pl[p].s.push(pCurT[p]); pl[p].e.push(end); pl[p].g.push(pCurG[p]); }
    }
    if (gcOpen >= 0) gcSpans.push(gcOpen, end, gcCycle);
    if (stwOpen >= 0) stwSpans.push(stwOpen, end, stwKind);
    for (const [p, t0] of workerOpen) workers.push(t0, end, p);
    for (const [g, [t0, p0]] of assistOpen) assists.push(t0, end, g, p0);
    laneP(Math.max(s.ps.length, tr.header.gomaxprocs | 0) - 1);
    tr.pLanes = pl.map((L) => {
      const n = L.s.length;
      const cum = new Float64Array(n + 1);
      for (let i = 0; i < n; i++) cum[i + 1] = cum[i] + (L.e[i] - L.s[i]);
      return { s: Float64Array.from(L.s), e: Float64Array.from(L.e), g: Int32Array.from(L.g), cum };
    });
    tr.nP = pl.length;
    tr.mLanes = ml.map((L) => ({ s: Float64Array.from(L.s), st: Uint8Array.from(L.st) }));
    tr.nM = ml.length;
    tr.gLanes = gl;
    tr.gOrder = [];
    for (let x = 0; x < gl.length; x++) if (gl[x]) tr.gOrder.push(x);
    tr.gFn = s.gFn;
    tr.latency = Float64Array.from(latency).sort();
    tr.arrows = Float64Array.from(arrows);
    tr.steals = steals; tr.handoffs = handoffs;
    tr.gcSpans = gcSpans; tr.stwSpans = stwSpans; tr.workers = workers;
    tr.assists = assists;
    // Per G and per P, for their lanes: the indices of their assists. The
    // assists of one P never overlap (one G at a time), so sorted by start
    // they are sorted by end too, and a frame finds the visible ones by
    // binary search.
    tr.gAssists = new Map();
    const byP = new Map();
    for (let k = 0; k < assists.length; k += 4) {
      const g = assists[k + 2], p = assists[k + 3];
      if (!tr.gAssists.has(g)) tr.gAssists.set(g, []);
      tr.gAssists.get(g).push(k);
      if (!byP.has(p)) byP.set(p, []);
      byP.get(p).push(k);
    }
    tr.pAssists = new Map();
    for (const [p, ks] of byP) {
      ks.sort((a, b) => assists[a] - assists[b]);
      tr.pAssists.set(p, { s: Float64Array.from(ks, (k) => assists[k]), e: Float64Array.from(ks, (k) => assists[k + 1]) });
    }
    tr.counters = new Map();
    for (const [key, c] of counters) {
      const v = Float64Array.from(c.v);
      let max = 0;
      for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
      tr.counters.set(key, { t: Float64Array.from(c.t), v, max });
    }
    if (!checkpoints.length) checkpoints.push(s.clone());
    tr.checkpoints = checkpoints;
  }

  // The state after the first `count` events (count 0: before any).
  function stateAt(tr, count) {
    const ci = Math.min(Math.floor(count / tr.checkpointEvery), tr.checkpoints.length - 1);
    let s;
    if (tr.cache && tr.cache.applied <= count && tr.cache.applied >= ci * tr.checkpointEvery) s = tr.cache;
    else s = tr.checkpoints[Math.max(ci, 0)].clone();
    for (let i = s.applied; i < count; i++) s.apply(i);
    tr.cache = s;
    return s;
  }

  // -------------------------------------------------------------- helpers
  function fmtDur(ns) {
    const a = Math.abs(ns);
    if (a === 0) return '0';
    if (a < 1e3) return trim(ns) + 'ns';
    if (a < 1e6) return trim(ns / 1e3) + '\u00b5s';
    if (a < 1e9) return trim(ns / 1e6) + 'ms';
    return trim(ns / 1e9) + 's';
  }
  function trim(x) {
    if (Math.abs(x) >= 100) return x.toFixed(0);
    const s = Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
    return s.replace(/\.?0+$/, '');  // "2.50" -> "2.5", "3.00" -> "3"
  }
  function lowerBound(arr, x, lo = 0, hi = arr.length) {
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function upperBound(arr, x, lo = 0, hi = arr.length) {
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] <= x) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // Okabe-Ito, for functions (G colours); text colour chosen for contrast.
  const FN_COLORS = ['#56B4E9', '#E69F00', '#009E73', '#F0E442', '#CC79A7', '#0072B2', '#D55E00', '#999999'];
  const FN_TEXT = ['#000', '#000', '#fff', '#000', '#000', '#fff', '#fff', '#000'];
  const TRACE_COLORS = ['#0072B2', '#D55E00'];
  const M_COLORS = { [MS.Running]: '#0072B2', [MS.Spinning]: '#E69F00', [MS.Syscall]: '#D55E00', [MS.Idle]: '#dddddd', [MS.NoP]: '#9fc9e6', [MS.NotStarted]: null, [MS.Exited]: null };
  function fnColor(tr, g) {
    const f = g >= 0 && g < tr.gFn.length ? tr.gFn[g] : -1;
    return f < 0 ? '#bbbbbb' : FN_COLORS[f % FN_COLORS.length];
  }
  function fnText(tr, g) {
    const f = g >= 0 && g < tr.gFn.length ? tr.gFn[g] : -1;
    return f < 0 ? '#000' : FN_TEXT[f % FN_TEXT.length];
  }
  function fnName(tr, g) {
    const f = g >= 0 && g < tr.gFn.length ? tr.gFn[g] : -1;
    const fns = tr.header.functions || [];
    return f >= 0 && f < fns.length ? String(fns[f]) : '';
  }

  // ------------------------------------------------------------ the model
  const traces = data.traces.map((src, i) => decode(src, i));
  // The columns now live in typed arrays: let the parsed arrays and the
  // JSON text (tens of MB for a big trace) be collected.
  for (const src of data.traces) src.cols = null;
  document.getElementById('gosim-data').textContent = '';
  perf.decoded = performance.now();
  for (const tr of traces) buildIndex(tr);
  perf.indexed = performance.now();
  const ui = {
    focus: 0,
    cursor: traces.map(() => 0),  // events applied, per trace
    t0: 0, t1: 1,
    scrollY: 0,
    showG: true,
    skipCounters: true,
    big: false,
    playing: false,
    speedIdx: 3,
    dirty: true,
  };
  const SPEEDS = [1, 2, 5, 10, 30, 100, 300, 1000, 10000];
  let tMin = Infinity, tMax = -Infinity;
  for (const tr of traces) {
    if (tr.n) { tMin = Math.min(tMin, tr.t[0]); tMax = Math.max(tMax, tr.tEnd); }
  }
  if (!isFinite(tMin)) { tMin = 0; tMax = 1; }
  if (tMax <= tMin) tMax = tMin + 1;
  function fit() {
    const pad = (tMax - tMin) * 0.01;
    ui.t0 = tMin - pad; ui.t1 = tMax + pad;
  }
  fit();

  // The cursor time: the time of the focused trace's last applied event.
  function cursorTime() {
    const tr = traces[ui.focus];
    const c = ui.cursor[ui.focus];
    return c > 0 ? tr.t[c - 1] : (tr.n ? tr.t[0] : 0);
  }
  // The other trace follows the shared time axis.
  function syncOthers() {
    const T = cursorTime();
    traces.forEach((tr, i) => {
      if (i !== ui.focus) ui.cursor[i] = ui.cursor[ui.focus] === 0 ? 0 : upperBound(tr.t, T);
    });
  }
  function setCursor(count) {
    const tr = traces[ui.focus];
    ui.cursor[ui.focus] = Math.max(0, Math.min(tr.n, count));
    syncOthers();
    ensureCursorVisible();
    render();
  }
  function ensureCursorVisible() {
    const T = cursorTime();
    const span = ui.t1 - ui.t0;
    if (T < ui.t0 || T > ui.t1) { ui.t0 = T - span / 2; ui.t1 = T + span / 2; }
  }

  // -------------------------------------------------------------- layout
  const canvas = document.getElementById('timeline');
  const ctx = canvas.getContext('2d');
  function scale() { return ui.big ? 1.6 : 1; }
  function lanes() {
    const S = scale();
    const out = [];
    for (const tr of traces) {
      out.push({ tr, type: 'title', h: 20 * S });
      out.push({ tr, type: 'gc', h: 16 * S, label: 'GC / STW' });
      for (let p = 0; p < tr.nP; p++) out.push({ tr, type: 'p', id: p, h: 24 * S, label: 'P' + p });
      for (let m = 0; m < tr.nM; m++) if (tr.mLanes[m] && tr.mLanes[m].s.length) out.push({ tr, type: 'm', id: m, h: 14 * S, label: 'M' + m });
      out.push({ tr, type: 'counter', ids: [[C.GlobalRunq, -1], [C.RunnableGs, -1]], h: 30 * S, label: 'run queues' });
      out.push({ tr, type: 'counter', ids: [[C.Threads, -1], [C.SpinningMs, -1], [C.IdleThreads, -1]], h: 30 * S, label: 'threads' });
    }
    // G lanes after every trace's Ps and Ms, so two traces' Ps sit together.
    if (ui.showG) {
      for (const tr of traces) {
        if (traces.length > 1) out.push({ tr, type: 'title', h: 20 * S });
        for (const g of tr.gOrder) out.push({ tr, type: 'g', id: g, h: 12 * S, label: (traces.length > 1 ? tr.label + ' G' : 'G') + g });
      }
    }
    let y = 0;
    for (const l of out) { l.y = y; y += l.h; }
    return { lanes: out, total: y };
  }

  // ------------------------------------------------------------- drawing
  let layout = null;
  let firstPaintDone = false;
  function resizeCanvas() {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { w, h };
  }
  function drawTimeline() {
    const { w, h } = resizeCanvas();
    const S = scale();
    const labelW = Math.round(110 * S);
    const axisH = Math.round(22 * S);
    const plotW = Math.max(10, w - labelW);
    layout = lanes();
    layout.labelW = labelW; layout.axisH = axisH; layout.plotW = plotW;
    const maxScroll = Math.max(0, layout.total - (h - axisH));
    ui.scrollY = Math.max(0, Math.min(ui.scrollY, maxScroll));
    const t0 = ui.t0, t1 = ui.t1;
    const pxPerNs = plotW / (t1 - t0);
    const X = (t) => labelW + (t - t0) * pxPerNs;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
    const font = (px, bold) => (bold ? '600 ' : '') + Math.round(px * S) + 'px system-ui, "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    const visTop = ui.scrollY, visBot = ui.scrollY + h - axisH;
    let drawn = 0;
    for (const lane of layout.lanes) {
      if (lane.y + lane.h < visTop || lane.y > visBot) continue;
      const y = axisH + lane.y - ui.scrollY;
      drawn++;
      ctx.save();
      ctx.beginPath(); ctx.rect(labelW, y, plotW, lane.h); ctx.clip();
      drawLane(lane, y, X, t0, t1, pxPerNs, font);
      ctx.restore();
      // label column
      ctx.fillStyle = lane.type === 'title' ? '#eef' : '#fafafa';
      ctx.fillRect(0, y, labelW, lane.h);
      ctx.fillStyle = '#000';
      ctx.font = font(lane.type === 'title' ? 13 : 11, lane.type === 'title' || lane.type === 'p');
      const label = lane.type === 'title' ? titleOf(lane.tr) : lane.label;
      if (lane.type === 'title') {
        ctx.fillStyle = TRACE_COLORS[lane.tr.index];
        ctx.fillRect(0, y, 6 * S, lane.h);
        ctx.fillStyle = '#000';
        ctx.save(); ctx.beginPath(); ctx.rect(0, y, w, lane.h); ctx.clip();
        ctx.fillText(label, 10 * S, y + lane.h / 2);
        ctx.restore();
      } else {
        ctx.fillText(label, 6 * S, y + lane.h / 2, labelW - 8 * S);
      }
      ctx.strokeStyle = '#e4e4e4';
      ctx.beginPath(); ctx.moveTo(0, y + lane.h - 0.5); ctx.lineTo(w, y + lane.h - 0.5); ctx.stroke();
    }
    drawArrows(X, t0, t1, axisH);
    // axis
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, axisH);
    ctx.fillStyle = '#000'; ctx.font = font(11);
    const step = niceStep((t1 - t0) / Math.max(2, plotW / (90 * S)));
    ctx.strokeStyle = '#999';
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = X(t);
      ctx.beginPath(); ctx.moveTo(x, axisH - 6); ctx.lineTo(x, axisH); ctx.stroke();
      ctx.fillText(fmtDur(t), x + 2, axisH / 2);
      ctx.strokeStyle = 'rgba(0,0,0,.06)';
      ctx.beginPath(); ctx.moveTo(x, axisH); ctx.lineTo(x, h); ctx.stroke();
      ctx.strokeStyle = '#999';
    }
    ctx.fillStyle = '#fafafa'; ctx.fillRect(0, 0, labelW, axisH);
    ctx.fillStyle = '#000';
    ctx.fillText(fmtDur(t1 - t0) + ' shown', 4, axisH / 2, labelW - 6);
    ctx.strokeStyle = '#999';
    ctx.beginPath(); ctx.moveTo(0, axisH - 0.5); ctx.lineTo(w, axisH - 0.5); ctx.stroke();
    // cursor
    const T = cursorTime();
    if (T >= t0 && T <= t1) {
      const x = Math.round(X(T)) + 0.5;
      ctx.strokeStyle = '#000'; ctx.lineWidth = 2 * S;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke();
      ctx.lineWidth = 1;
    }
    canvas.dataset.lanes = String(layout.lanes.length);
    canvas.dataset.drawnLanes = String(drawn);
  }
  function titleOf(tr) {
    const h = tr.header;
    return tr.label + ': ' + String(h.scenario_name || '(unnamed)') + ' \u00b7 ' + String(h.mode || '?') +
      ' \u00b7 ' + tr.n + ' events \u00b7 GOMAXPROCS ' + String(h.gomaxprocs);
  }
  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    const f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }

  function drawLane(lane, y, X, t0, t1, pxPerNs, font) {
    const tr = lane.tr;
    if (lane.type === 'p') drawPLane(tr, lane.id, y, lane.h, X, t0, t1, pxPerNs, font);
    else if (lane.type === 'm') drawStateLane(tr.mLanes[lane.id], y + 2, lane.h - 4, X, t0, t1, (st) => M_COLORS[st], tr.tEnd);
    else if (lane.type === 'g') drawGLane(tr, lane.id, y, lane.h, X, t0, t1);
    else if (lane.type === 'gc') drawGCLane(tr, y, lane.h, X, t0, t1, font);
    else if (lane.type === 'counter') drawCounterLane(tr, lane, y, X, t0, t1, font);
    else if (lane.type === 'title') { ctx.fillStyle = '#eef'; ctx.fillRect(X(t0), y, X(t1) - X(t0), lane.h); }
  }

  // Slices in a lane, with level of detail: a slice narrower than a pixel is
  // merged with its neighbours into one density column (how busy that pixel
  // was, from the prefix sums), found by binary search, so a frame costs
  // O(pixels + visible wide slices), not O(slices).
  function drawPLane(tr, p, y, h, X, t0, t1, pxPerNs, font) {
    const L = tr.pLanes[p];
    if (!L) return;
    const n = L.s.length;
    let i = lowerBound(L.e, t0);
    ctx.font = font(11, true);
    while (i < n && L.s[i] <= t1) {
      const x0 = X(L.s[i]), x1 = X(L.e[i]);
      if (x1 - x0 < 1.5) {
        const px = Math.floor(x0);
        const tNext = t0 + (px + 1 - X(t0)) / pxPerNs;
        let j = lowerBound(L.s, tNext, i + 1);
        if (j <= i) j = i + 1;
        const busy = L.cum[j] - L.cum[i];
        const frac = Math.min(1, busy * pxPerNs);
        ctx.fillStyle = 'rgba(0,60,120,' + (0.25 + 0.75 * frac).toFixed(2) + ')';
        ctx.fillRect(px, y + 3, Math.max(1, X(L.e[j - 1]) - px), h - 6);
        i = j;
        continue;
      }
      const g = L.g[i];
      ctx.fillStyle = fnColor(tr, g);
      ctx.fillRect(x0, y + 3, x1 - x0 - (x1 - x0 > 3 ? 1 : 0), h - 6);
      if (x1 - x0 > 30) {
        ctx.fillStyle = fnText(tr, g);
        const text = 'G' + g + ' ' + fnName(tr, g);
        const cx = Math.max(x0, X(t0)) + 3;
        ctx.fillText(text, cx, y + h / 2, Math.max(0, Math.min(x1, X(t1)) - cx - 2));
      }
      i++;
    }
    // GC mark assists: the assisting G's slice hatched, with a purple band
    // on top (mark workers have theirs at the bottom).
    const PA = tr.pAssists.get(p);
    if (PA) for (let k = lowerBound(PA.e, t0); k < PA.s.length && PA.s[k] <= t1; k++) drawAssist(X(PA.s[k]), X(PA.e[k]), y + 3, h - 6);
    // GC mark workers: a band at the bottom of the lane.
    const W = tr.workers;
    for (let k = 0; k < W.length; k += 3) {
      if (W[k + 2] !== p || W[k + 1] < t0 || W[k] > t1) continue;
      ctx.fillStyle = '#CC79A7';
      ctx.fillRect(X(W[k]), y + h - 5, Math.max(1, X(W[k + 1]) - X(W[k])), 3);
    }
    // Steals (thief's lane, a downward triangle) and hand-offs (a diamond).
    const S = scale();
    // Only when they can be told apart (at most one per few pixels).
    const st = tr.steals;
    const si = lowerBound4(st, t0);
    const sj = lowerBound4(st, t1 + 1);
    const roomy = (sj - si) / 4 <= (X(t1) - X(t0)) / 4;
    for (let k = si; roomy && k < sj; k += 4) {
      if (st[k + 1] !== p) continue;
      const x = X(st[k]);
      ctx.fillStyle = '#000';
      ctx.beginPath(); ctx.moveTo(x - 5 * S, y); ctx.lineTo(x + 5 * S, y); ctx.lineTo(x, y + 7 * S); ctx.closePath(); ctx.fill();
    }
    const ho = tr.handoffs;
    let hoCount = 0;
    for (let k = 0; k < ho.length && hoCount <= (X(t1) - X(t0)) / 4; k += 3) if (ho[k] >= t0 && ho[k] <= t1) hoCount++;
    for (let k = 0; hoCount <= (X(t1) - X(t0)) / 4 && k < ho.length; k += 3) {
      if (ho[k + 1] !== p || ho[k] < t0 || ho[k] > t1) continue;
      const x = X(ho[k]);
      ctx.fillStyle = '#D55E00'; ctx.strokeStyle = '#000';
      ctx.beginPath(); ctx.moveTo(x, y + h - 9 * S); ctx.lineTo(x + 4 * S, y + h - 4.5 * S); ctx.lineTo(x, y + h); ctx.lineTo(x - 4 * S, y + h - 4.5 * S); ctx.closePath(); ctx.fill(); ctx.stroke();
    }
  }
  // Diagonal hatching (made once): the mark of a GC mark assist, over the
  // G's own colour, so it reads as "this G, but marking for the GC".
  const hatches = new Map();  // 2d context -> its pattern
  function hatchPattern(c2d) {
    if (hatches.has(c2d)) return hatches.get(c2d);
    const c = document.createElement('canvas');
    c.width = 6; c.height = 6;
    const x = c.getContext('2d');
    x.strokeStyle = 'rgba(0,0,0,.45)'; x.lineWidth = 1.5;  // light: the slice's label stays readable
    x.beginPath(); x.moveTo(-1, 7); x.lineTo(7, -1); x.moveTo(-1, 1); x.lineTo(1, -1); x.moveTo(5, 7); x.lineTo(7, 5); x.stroke();
    const pat = c2d.createPattern(c, 'repeat');
    hatches.set(c2d, pat);
    return pat;
  }
  function drawAssist(x0, x1, y, h, c2d = ctx) {
    const w = Math.max(1, x1 - x0);
    c2d.fillStyle = hatchPattern(c2d); c2d.fillRect(x0, y, w, h);
    c2d.fillStyle = '#CC79A7'; c2d.fillRect(x0, y, w, Math.max(2, Math.round(h / 6)));
  }
  function lowerBound4(arr, x) {
    let lo = 0, hi = arr.length / 4;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid * 4] < x) lo = mid + 1; else hi = mid; }
    return lo * 4;
  }
  // A lane of states that follow each other (Ms, Gs): segment i lasts from
  // s[i] to s[i+1]. Sub-pixel segments: the pixel takes the colour of the
  // last one (cheap, and honest at that zoom).
  function drawStateLane(L, y, h, X, t0, t1, colorOf, tEnd) {
    if (!L) return;
    const n = L.s.length;
    let i = Math.max(0, upperBound(L.s, t0) - 1);
    let lastPx = -1;
    while (i < n && L.s[i] <= t1) {
      const end = i + 1 < n ? L.s[i + 1] : tEnd;
      const x0 = X(L.s[i]), x1 = X(end);
      if (x1 - x0 < 1 && Math.floor(x0) === lastPx) {
        // skip ahead to the first segment starting in the next pixel
        const tNext = L.s[i] + (1 / ((X(L.s[i] + 1) - X(L.s[i])) || 1));
        const j = lowerBound(L.s, tNext, i + 1);
        i = Math.max(j - 1, i + 1);
        continue;
      }
      const c = colorOf(L.st[i]);
      if (c) { ctx.fillStyle = c; ctx.fillRect(x0, y, Math.max(1, x1 - x0), h); }
      lastPx = Math.floor(x0);
      i++;
    }
  }
  const G_COLORS = { [GS.Runnable]: '#F0E442', [GS.Waiting]: '#cfcfcf', [GS.Syscall]: '#D55E00' };
  function drawGLane(tr, g, y, h, X, t0, t1) {
    const L = tr.gLanes[g];
    if (!L) return;
    const fc = fnColor(tr, g);
    drawStateLane(L, y + 1, h - 2, X, t0, t1, (st) => {
      if (st === GS.Running) return fc;
      return G_COLORS[st] || null;
    }, tr.tEnd);
    const mine = tr.gAssists.get(g);
    if (mine) for (const k of mine) {
      const A = tr.assists;
      if (A[k + 1] < t0 || A[k] > t1) continue;
      drawAssist(X(A[k]), X(A[k + 1]), y + 1, h - 2);
    }
  }
  function drawGCLane(tr, y, h, X, t0, t1, font) {
    const G = tr.gcSpans;
    for (let k = 0; k < G.length; k += 3) {
      if (G[k + 1] < t0 || G[k] > t1) continue;
      ctx.fillStyle = '#CC79A7';
      ctx.fillRect(X(G[k]), y + 2, Math.max(1, X(G[k + 1]) - X(G[k])), h - 4);
      if (X(G[k + 1]) - X(G[k]) > 40) {
        ctx.fillStyle = '#000'; ctx.font = font(10);
        ctx.fillText('GC ' + G[k + 2], X(G[k]) + 3, y + h / 2);
      }
    }
    const W = tr.stwSpans;
    for (let k = 0; k < W.length; k += 3) {
      if (W[k + 1] < t0 || W[k] > t1) continue;
      ctx.fillStyle = '#000';
      ctx.fillRect(X(W[k]), y + 2, Math.max(2, X(W[k + 1]) - X(W[k])), h - 4);
    }
  }
  // A step line through (T[i], V[i]) for i in [i0, i1), ending at xEnd, with
  // at most four points per pixel column (its first, lowest, highest and last
  // value): the path stays small however many points fall in a pixel.
  function stepPath(c2d, T, V, i0, i1, X, Y, xEnd) {
    if (i0 >= i1) return;
    let col = Math.floor(X(T[i0]));
    let first = V[i0], lo = first, hi = first, last = first;
    let prevY = null;
    const flush = () => {
      const x = col;
      if (prevY === null) c2d.moveTo(x, Y(first));
      else { c2d.lineTo(x, prevY); c2d.lineTo(x, Y(first)); }
      if (lo !== hi) { c2d.lineTo(x, Y(lo)); c2d.lineTo(x, Y(hi)); }
      c2d.lineTo(x, Y(last));
      prevY = Y(last);
    };
    for (let i = i0 + 1; i < i1; i++) {
      const c = Math.floor(X(T[i]));
      const v = V[i];
      if (c === col) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        last = v;
        continue;
      }
      flush();
      col = c; first = lo = hi = last = v;
    }
    flush();
    c2d.lineTo(Math.max(xEnd, col), prevY);
  }
  function counterSeries(tr, id, p) { return tr.counters.get(id * 1024 + (p + 1)); }
  const COUNTER_COLORS = ['#0072B2', '#E69F00', '#009E73'];
  function drawCounterLane(tr, lane, y, X, t0, t1, font) {
    let max = 1;
    const series = lane.ids.map(([id, p]) => counterSeries(tr, id, p)).filter(Boolean);
    for (const c of series) max = Math.max(max, c.max);
    const h = lane.h - 4;
    series.forEach((c, si) => {
      ctx.strokeStyle = COUNTER_COLORS[si % 3]; ctx.lineWidth = si === 0 ? 2 : 1.2;
      ctx.beginPath();
      const i0 = Math.max(0, upperBound(c.t, t0) - 1);
      const i1 = upperBound(c.t, t1);
      stepPath(ctx, c.t, c.v, i0, i1, (t) => Math.max(X(t0), X(t)), (v) => y + 2 + h - (v / max) * h,
        X(Math.min(t1, tr.tEnd)));
      ctx.stroke();
    });
    ctx.lineWidth = 1;
    ctx.fillStyle = '#555'; ctx.font = font(9);
    const names = lane.ids.map(([id]) => NAMES.counters[id] || '').join(' / ');
    ctx.fillText(names + ' (max ' + max + ')', X(t0) + 4, y + 7 * scale());
  }
  // Flow arrows from the waker (or creator) to the woken G when it starts,
  // drawn between P lanes, and between G lanes when they are shown. Only when
  // few enough are in view to be read.
  function drawArrows(X, t0, t1, axisH) {
    const pY = new Map(), gY = new Map();
    for (const l of layout.lanes) {
      if (l.type === 'p') pY.set(l.tr.index * 1e7 + l.id, l.y + l.h / 2);
      if (l.type === 'g') gY.set(l.tr.index * 1e7 + l.id, l.y + l.h / 2);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(layout.labelW, axisH, layout.plotW, canvas.clientHeight - axisH); ctx.clip();
    for (const tr of traces) {
      const A = tr.arrows;
      let count = 0;
      for (let k = 0; k < A.length; k += 7) if (A[k + 3] >= t0 && A[k] <= t1) count++;
      if (count === 0 || count > MAX_ARROWS) continue;
      for (let k = 0; k < A.length; k += 7) {
        if (A[k + 3] < t0 || A[k] > t1) continue;
        const kind = A[k + 6];
        ctx.strokeStyle = kind ? 'rgba(0,158,115,.9)' : 'rgba(0,0,0,.75)';
        ctx.fillStyle = ctx.strokeStyle;
        const pairs = [[pY.get(tr.index * 1e7 + A[k + 1]), pY.get(tr.index * 1e7 + A[k + 4])],
          [gY.get(tr.index * 1e7 + A[k + 2]), gY.get(tr.index * 1e7 + A[k + 5])]];
        for (const [ya, yb] of pairs) {
          if (ya === undefined || yb === undefined) continue;
          arrow(X(A[k]), axisH + ya - ui.scrollY, X(A[k + 3]), axisH + yb - ui.scrollY);
        }
      }
    }
    ctx.restore();
  }
  const MAX_ARROWS = 200;
  function arrow(x0, y0, x1, y1) {
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
    const a = Math.atan2(y1 - y0, x1 - x0), s = 6 * scale();
    ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - s * Math.cos(a - 0.4), y1 - s * Math.sin(a - 0.4));
    ctx.lineTo(x1 - s * Math.cos(a + 0.4), y1 - s * Math.sin(a + 0.4));
    ctx.closePath(); ctx.fill();
  }

  // The timeline's key: each swatch is drawn by the same code as the lanes.
  function drawLegend() {
    const host = document.getElementById('legend');
    if (!host) return;
    host.textContent = '';
    const item = (key, text, paint) => {
      const span = el('span', { class: 'key', 'data-key': key });
      const cv = el('canvas', { width: '24', height: '12' });
      const c2d = cv.getContext('2d');
      paint(c2d, 24, 12);
      span.appendChild(cv);
      span.appendChild(el('span', null, text));
      host.appendChild(span);
    };
    const fill = (color) => (c2d, w, h) => { c2d.fillStyle = color; c2d.fillRect(0, 0, w, h); };
    item('run', 'G running (colour: its function)', fill(FN_COLORS[0]));
    item('assist', 'GC mark assist (the G marks for the GC)', (c2d, w, h) => {
      c2d.fillStyle = FN_COLORS[0]; c2d.fillRect(0, 0, w, h); drawAssist(0, w, 0, h, c2d);
    });
    item('worker', 'GC mark worker on the P', (c2d, w, h) => { c2d.fillStyle = '#CC79A7'; c2d.fillRect(0, h - 4, w, 3); });
    item('gc', 'GC cycle', fill('#CC79A7'));
    item('stw', 'stop-the-world', fill('#000'));
    item('steal', 'steal', (c2d, w) => {
      c2d.fillStyle = '#000'; c2d.beginPath(); c2d.moveTo(w / 2 - 5, 0); c2d.lineTo(w / 2 + 5, 0); c2d.lineTo(w / 2, 7); c2d.closePath(); c2d.fill();
    });
    item('handoff', 'hand-off of the P', (c2d, w, h) => {
      c2d.fillStyle = '#D55E00'; c2d.strokeStyle = '#000';
      c2d.beginPath(); c2d.moveTo(w / 2, 1); c2d.lineTo(w / 2 + 4, h / 2); c2d.lineTo(w / 2, h - 1); c2d.lineTo(w / 2 - 4, h / 2); c2d.closePath(); c2d.fill(); c2d.stroke();
    });
    item('m-running', 'M running', fill(M_COLORS[MS.Running]));
    item('m-spinning', 'M spinning', fill(M_COLORS[MS.Spinning]));
    item('syscall', 'M / G in a syscall', fill(M_COLORS[MS.Syscall]));
    item('m-idle', 'M idle', fill(M_COLORS[MS.Idle]));
    item('m-nop', 'M without a P', fill(M_COLORS[MS.NoP]));
    item('g-runnable', 'G runnable', fill(G_COLORS[GS.Runnable]));
    item('g-waiting', 'G waiting', fill(G_COLORS[GS.Waiting]));
  }

  // -------------------------------------------------------------- picture
  const MAX_CHIPS = 48;
  function chip(tr, g, cls) {
    if (g < 0) return el('span', { class: 'chip none' }, '\u2014');
    const c = el('span', { class: 'chip' + (cls ? ' ' + cls : ''), 'data-g': String(g), title: fnName(tr, g) }, 'G' + g);
    c.style.background = fnColor(tr, g); c.style.color = fnText(tr, g);
    return c;
  }
  function chips(tr, list, parent) {
    list.slice(0, MAX_CHIPS).forEach((g) => parent.appendChild(chip(tr, g)));
    if (list.length > MAX_CHIPS) parent.appendChild(el('span', { class: 'more' }, '+' + (list.length - MAX_CHIPS) + ' more'));
    if (!list.length) parent.appendChild(el('span', { class: 'more' }, 'empty'));
  }
  function row(label, parent) {
    const r = el('div', { class: 'row' });
    r.appendChild(el('span', { class: 'lbl' }, label));
    parent.appendChild(r);
    return r;
  }
  function drawPictures() {
    const host = document.getElementById('pictures');
    host.textContent = '';
    traces.forEach((tr, ti) => {
      const s = stateAt(tr, ui.cursor[ti]);
      const box = el('div', { class: 'picture', 'data-trace': String(ti), 'data-event': String(ui.cursor[ti]), 'data-time': String(s.now) });
      const h2 = el('h2');
      h2.appendChild(el('span', { class: 'trace-tag tag-' + ti }, tr.label));
      h2.appendChild(el('span', null, String(tr.header.scenario_name || '')));
      h2.appendChild(el('span', { class: 'time' }, 'event ' + ui.cursor[ti] + '/' + tr.n + ' \u00b7 t=' + fmtDur(s.now)));
      box.appendChild(h2);
      const mini = el('canvas', { class: 'mini', 'data-trace': String(ti), title: 'Where this step is in the run (click to go there)' });
      box.appendChild(mini);
      const procs = el('div', { class: 'procs' });
      s.ps.forEach((P, p) => {
        // A G paying a mark assist on this P; a P its M keeps through a
        // syscall because hand-off is off (nobody retakes it).
        const assist = P.g >= 0 && s.gAssist[P.g] ? P.g : -1;
        const held = P.status === PS.Syscall && !tr.handoff;
        const d = el('div', {
          class: 'proc', 'data-p': String(p), 'data-status': PS_NAMES[P.status], 'data-m': String(P.m),
          'data-g': String(P.g), 'data-runnext': String(P.runnext), 'data-local': P.runq.join(' '),
          'data-gcworker': P.gcw ? '1' : '0', 'data-assist': String(assist), 'data-held': held ? '1' : '0',
        });
        const head = el('div', { class: 'head' });
        head.appendChild(el('span', null, 'P' + p));
        head.appendChild(el('span', { class: 'st' }, PS_NAMES[P.status] + (P.m >= 0 ? ' on M' + P.m : '') + (P.gcw ? ' \u00b7 GC worker' : '') +
          (held ? ' \u00b7 held (hand-off off)' : '')));
        d.appendChild(head);
        if (held) {
          const sysG = P.m >= 0 && P.m < s.ms.length ? s.ms[P.m].g : -1;
          d.appendChild(el('div', { class: 'note held' }, 'stays with M' + P.m + ' until ' + (sysG >= 0 ? 'G' + sysG + '\u2019s' : 'the') +
            ' syscall returns: hand-off is off, sysmon never retakes it'));
        }
        if (assist >= 0) d.appendChild(el('div', { class: 'note assist' }, 'G' + assist + ' is in a GC mark assist (' + fmtBytes(s.gDebt[assist]) + ' of debt)'));
        row('running', d).appendChild(chip(tr, P.g, 'run'));
        row('runnext', d).appendChild(chip(tr, P.runnext));
        chips(tr, P.runq, row('local (' + P.runq.length + ')', d));
        procs.appendChild(d);
      });
      box.appendChild(procs);
      const glob = el('div', { class: 'box global', 'data-global': s.global.join(' ') });
      chips(tr, s.global, row('global (' + s.global.length + ')', glob));
      box.appendChild(glob);
      const threads = el('div', { class: 'threads' });
      threads.appendChild(el('span', { class: 'lbl' }, 'Ms'));
      s.ms.forEach((M, m) => {
        const st = mStatus(M);
        if (st === MS.NotStarted) return;
        let text = 'M' + m + ' ' + MS_NAMES[st];
        if (M.p >= 0) text += ' P' + M.p;
        if (M.g >= 0) text += ' G' + M.g;
        if (st === MS.Syscall && M.p >= 0 && !tr.handoff) text += ' (P held, hand-off off)';
        if (st === MS.Running && M.g >= 0 && s.gAssist[M.g]) text += ' (mark assist)';
        threads.appendChild(el('span', { class: 'thread', 'data-m': String(m), 'data-status': MS_NAMES[st], 'data-p': String(M.p), 'data-g': String(M.g) }, text));
      });
      box.appendChild(threads);
      // Netpoller and timers: Gs waiting on the network and sleeping Gs.
      const net = [], timers = [];
      for (let g = 0; g < s.gStatus.length; g++) {
        if (s.gStatus[g] !== GS.Waiting) continue;
        if (s.gBlock[g] === BLOCK.NetWait) net.push(g);
        else if (s.gBlock[g] === BLOCK.Sleep) timers.push(g);
      }
      timers.sort((a, b) => s.gReady[a] - s.gReady[b]);
      const others = el('div', { class: 'others' });
      const np = el('div', { class: 'box netpoll', 'data-gs': net.join(' ') });
      chips(tr, net, row('netpoller (' + net.length + ')', np));
      const tm = el('div', { class: 'box timers', 'data-gs': timers.join(' ') });
      chips(tr, timers, row('timers (' + timers.length + ')', tm));
      const assisting = [];
      for (let g = 0; g < s.gStatus.length; g++) if (s.gAssist[g] && s.gStatus[g] === GS.Running) assisting.push(g);
      const gc = el('div', { class: 'box gcstate', 'data-gc': s.gc ? 'on' : 'off', 'data-stw': s.stw ? 'on' : 'off', 'data-assists': assisting.join(' ') },
        (s.gc ? 'GC cycle ' + s.gcCycle + ' marking' : 'GC off') + (s.stw ? ' \u00b7 STOP THE WORLD (' + (STW_NAMES[s.stwKind] || '') + ')' : '') +
        (s.heapLive >= 0 ? ' \u00b7 heap ' + fmtBytes(s.heapLive) + (s.heapGoal > 0 ? ' / goal ' + fmtBytes(s.heapGoal) : '') : '') +
        (assisting.length ? ' \u00b7 mark assists: ' + assisting.map((g) => 'G' + g).join(' ') : ''));
      others.appendChild(np); others.appendChild(tm); others.appendChild(gc);
      box.appendChild(others);
      // Counts by G status.
      const counts = [0, 0, 0, 0, 0, 0];
      for (let g = 0; g < s.gStatus.length; g++) counts[s.gStatus[g]]++;
      box.appendChild(el('div', { class: 'desc gcounts', 'data-running': String(counts[GS.Running]), 'data-runnable': String(counts[GS.Runnable]), 'data-waiting': String(counts[GS.Waiting]) },
        'Gs: ' + counts[GS.Running] + ' running, ' + counts[GS.Runnable] + ' runnable, ' + counts[GS.Waiting] + ' waiting, ' + counts[GS.Syscall] + ' in syscalls, ' + counts[GS.Dead] + ' done'));
      host.appendChild(box);
      drawMini(tr, ti, mini, s);
    });
  }
  // The mini-timeline over each picture: the whole run (the shared axis),
  // how many scheduler events fall in each stretch, the GC cycles, the part
  // the big timeline shows, and where the current step is.
  const MINI_BINS = 480;
  function miniBins(tr) {
    if (tr.miniBins) return tr.miniBins;
    const b = new Float64Array(MINI_BINS);
    const span = tMax - tMin;
    for (let i = 0; i < tr.n; i++) {
      if (tr.k[i] === K.Counter) continue;
      b[Math.min(MINI_BINS - 1, Math.max(0, Math.floor(((tr.t[i] - tMin) / span) * MINI_BINS)))]++;
    }
    let max = 1;
    for (let i = 0; i < MINI_BINS; i++) if (b[i] > max) max = b[i];
    tr.miniBins = { b, max };
    return tr.miniBins;
  }
  function drawMini(tr, ti, cv, s) {
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth || 400, h = cv.clientHeight || 20;
    cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
    const c = cv.getContext('2d');
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    const X = (t) => ((t - tMin) / (tMax - tMin)) * w;
    c.fillStyle = '#f5f5f5'; c.fillRect(0, 0, w, h);
    const { b, max } = miniBins(tr);
    c.fillStyle = '#9fb7cc';
    for (let i = 0; i < MINI_BINS; i++) {
      if (!b[i]) continue;
      const bh = Math.max(1, Math.sqrt(b[i] / max) * (h - 5));
      c.fillRect((i / MINI_BINS) * w, h - 4 - bh, Math.max(1, w / MINI_BINS), bh);
    }
    const G = tr.gcSpans;
    c.fillStyle = '#CC79A7';
    for (let k = 0; k < G.length; k += 3) c.fillRect(X(G[k]), h - 3, Math.max(1, X(G[k + 1]) - X(G[k])), 3);
    c.strokeStyle = 'rgba(0,0,0,.5)'; c.lineWidth = 1;
    c.strokeRect(Math.max(0, X(ui.t0)) + 0.5, 0.5, Math.max(1, Math.min(w, X(ui.t1)) - Math.max(0, X(ui.t0)) - 1), h - 1);
    const T = ui.cursor[ti] > 0 ? tr.t[ui.cursor[ti] - 1] : (tr.n ? tr.t[0] : 0);
    const x = X(T);
    c.fillStyle = '#000'; c.fillRect(Math.round(x) - 1, 0, 2, h);
    c.beginPath(); c.moveTo(x - 5, 0); c.lineTo(x + 5, 0); c.lineTo(x, 6); c.closePath(); c.fill();
    cv.dataset.cursorT = String(T);
    cv.dataset.cursorX = String(x);
    cv.dataset.t0 = String(tMin); cv.dataset.t1 = String(tMax);
    cv.onclick = (e) => {
      const t = tMin + (e.offsetX / w) * (tMax - tMin);
      if (ti !== ui.focus) setFocus(ti);
      setCursor(upperBound(tr.t, t));
    };
  }
  function fmtBytes(b) {
    if (b < 1024) return b + 'B';
    if (b < 1048576) return trim(b / 1024) + 'KiB';
    if (b < 1073741824) return trim(b / 1048576) + 'MiB';
    return trim(b / 1073741824) + 'GiB';
  }
  function eventLine(tr, i) {
    const parts = ['#' + (i + 1), fmtDur(tr.t[i]), KN[tr.k[i]] || ('kind ' + tr.k[i])];
    if (tr.g[i] >= 0) parts.push('G' + tr.g[i]);
    if (tr.p[i] >= 0) parts.push('P' + tr.p[i]);
    if (tr.m[i] >= 0) parts.push('M' + tr.m[i]);
    return parts.join(' ');
  }
  function drawWhy() {
    const host = document.getElementById('why');
    host.textContent = '';
    const tr = traces[ui.focus];
    const c = ui.cursor[ui.focus];
    host.appendChild(el('span', { class: 'trace-tag tag-' + ui.focus }, tr.label));
    if (c === 0) {
      host.appendChild(el('span', { class: 'words' }, 'Before the first event. Press \u2192 to step, Space to play, ? for keys.'));
      host.dataset.event = '0';
      return;
    }
    host.appendChild(el('span', { class: 'evt' }, eventLine(tr, c - 1)));
    host.appendChild(el('span', { class: 'words' }, whyWords(tr, c - 1)));
    host.dataset.event = String(c);
  }
  function drawLog() {
    const host = document.getElementById('log');
    host.textContent = '';
    const tr = traces[ui.focus];
    const c = ui.cursor[ui.focus];
    const from = Math.max(0, c - 6), to = Math.min(tr.n, c + 3);
    for (let i = from; i < to; i++) {
      const li = el('li', i === c - 1 ? { class: 'cur' } : null, eventLine(tr, i) + ' \u2014 ' + whyWords(tr, i));
      host.appendChild(li);
    }
  }

  // ---------------------------------------------------------------- plots
  function plotFrame(id) {
    const cv = document.getElementById(id);
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth || 420, h = cv.clientHeight || 220;
    cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
    const c = cv.getContext('2d');
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = '#fff'; c.fillRect(0, 0, w, h);
    c.font = Math.round(11 * scale()) + 'px system-ui, "DejaVu Sans", sans-serif';
    c.textBaseline = 'middle';
    return { c, w, h, L: 40 * scale(), B: 24 * scale(), T: 18 * scale() };
  }
  function legend(f) {
    traces.forEach((tr, i) => {
      f.c.fillStyle = TRACE_COLORS[i];
      f.c.fillRect(f.L + i * 120, 4, 10, 10);
      f.c.fillStyle = '#000';
      f.c.fillText(tr.label + ' ' + String(tr.header.mode || ''), f.L + 14 + i * 120, 9, 100);
    });
  }
  function drawLatencyPlot() {
    const f = plotFrame('plot-latency');
    // Buckets: powers of two from 128ns up (log scale).
    const base = 128, nb = 24;
    const hist = traces.map((tr) => {
      const b = new Array(nb).fill(0);
      for (const v of tr.latency) {
        let k = v <= base ? 0 : Math.min(nb - 1, Math.ceil(Math.log2(v / base)));
        b[k]++;
      }
      return b;
    });
    let lo = nb, hi = 0, max = 1;
    hist.forEach((b) => b.forEach((v, k) => { if (v) { lo = Math.min(lo, k); hi = Math.max(hi, k); max = Math.max(max, v); } }));
    if (lo > hi) { f.c.fillStyle = '#555'; f.c.fillText('no runnable \u2192 running transitions', f.L, f.h / 2); return; }
    const cols = hi - lo + 1, pw = f.w - f.L - 8, ph = f.h - f.B - f.T;
    const bw = pw / cols;
    hist.forEach((b, ti) => {
      f.c.fillStyle = TRACE_COLORS[ti];
      for (let k = lo; k <= hi; k++) {
        const bh = (b[k] / max) * ph;
        const x = f.L + (k - lo) * bw + (ti * bw) / traces.length;
        f.c.fillRect(x + 1, f.T + ph - bh, bw / traces.length - 2, bh);
      }
    });
    f.c.fillStyle = '#000';
    for (let k = lo; k <= hi; k += Math.max(1, Math.ceil(cols / 6))) f.c.fillText('\u2264' + fmtDur(base * Math.pow(2, k)), f.L + (k - lo) * bw, f.h - f.B / 2, bw * 2);
    f.c.fillText(String(max), 4, f.T + 4);
    f.c.fillText('0', 4, f.T + ph);
    legend(f);
  }
  // A time series plot over the whole run (shared axis for two traces).
  function seriesPlot(id, pick) {
    const f = plotFrame(id);
    const pw = f.w - f.L - 8, ph = f.h - f.B - f.T;
    const X = (t) => f.L + ((t - tMin) / (tMax - tMin)) * pw;
    let max = 1;
    const all = [];
    traces.forEach((tr, ti) => {
      for (const [key, dash] of pick(tr)) {
        const c = tr.counters.get(key);
        if (!c) continue;
        max = Math.max(max, c.max);
        all.push({ c, ti, dash, tEnd: tr.tEnd });
      }
    });
    const Y = (v) => f.T + ph - (v / max) * ph;
    for (const s of all) {
      f.c.strokeStyle = TRACE_COLORS[s.ti];
      f.c.setLineDash(s.dash);
      f.c.lineWidth = 1.5;
      f.c.beginPath();
      stepPath(f.c, s.c.t, s.c.v, 0, s.c.t.length, X, Y, X(s.tEnd));
      f.c.stroke();
    }
    f.c.setLineDash([]);
    f.c.fillStyle = '#000';
    f.c.fillText(String(max), 4, f.T + 4);
    f.c.fillText('0', 4, f.T + ph);
    f.c.fillText(fmtDur(tMin), f.L, f.h - f.B / 2);
    const endText = fmtDur(tMax);
    f.c.fillText(endText, f.w - 8 - f.c.measureText(endText).width, f.h - f.B / 2);
    legend(f);
    if (!all.length) { f.c.fillStyle = '#555'; f.c.fillText('no counters in this trace', f.L + 10, f.h / 2); }
    return f;
  }
  function drawPlots() {
    drawLatencyPlot();
    const runq = seriesPlot('plot-runq', (tr) => {
      const out = [[C.GlobalRunq * 1024, []]];
      for (let p = 0; p < tr.nP; p++) out.push([C.LocalRunq * 1024 + p + 1, [4, 3]]);
      return out;
    });
    runq.c.fillStyle = '#555'; runq.c.fillText('solid: global, dashed: per-P local', runq.L + 250, 9);
    const th = seriesPlot('plot-threads', () => [[C.Threads * 1024, []], [C.SpinningMs * 1024, [4, 3]], [C.IdleThreads * 1024, [1, 3]]]);
    th.c.fillStyle = '#555'; th.c.fillText('solid: threads, dashed: spinning, dotted: idle', th.L, th.h - 4 - th.B / 2 + 14);
  }
  function drawSummaries() {
    const host = document.getElementById('summaries');
    host.textContent = '';
    traces.forEach((tr, ti) => {
      const d = el('div', { class: 'summary', 'data-trace': String(ti) });
      const h2 = el('h2');
      h2.appendChild(el('span', { class: 'trace-tag tag-' + ti }, tr.label));
      h2.appendChild(el('span', null, 'Summary: ' + String(tr.header.scenario_name || '')));
      d.appendChild(h2);
      if (tr.header.scenario_description) d.appendChild(el('p', { class: 'desc' }, String(tr.header.scenario_description)));
      if (tr.outcome.status && tr.outcome.status !== 'ok')
        d.appendChild(el('p', { class: 'outcome-bad' }, String(tr.outcome.status) + ': ' + String(tr.outcome.message || '')));
      if (tr.src.summary_text) d.appendChild(el('pre', null, String(tr.src.summary_text)));
      host.appendChild(d);
    });
  }

  // ------------------------------------------------------------- render
  let frameQueued = false;
  function render() {
    ui.dirty = true;
    if (frameQueued) return;
    frameQueued = true;
    requestAnimationFrame(() => {
      frameQueued = false;
      if (!ui.dirty) return;
      ui.dirty = false;
      try {
        drawTimeline();
        drawPictures();
        drawWhy();
        drawLog();
      } catch (e) {
        errors.push(String(e && e.stack || e));
        throw e;
      }
    });
  }

  // ------------------------------------------------------------ controls
  const speedSel = document.getElementById('speed');
  SPEEDS.forEach((s, i) => { const o = el('option', { value: String(i) }, s + ' ev/s'); speedSel.appendChild(o); });
  speedSel.value = String(ui.speedIdx);
  speedSel.addEventListener('change', () => { ui.speedIdx = +speedSel.value; });
  const focusSel = document.getElementById('focus');
  traces.forEach((tr, i) => focusSel.appendChild(el('option', { value: String(i) }, tr.label + ' (' + String(tr.header.mode || '') + ')')));
  if (traces.length < 2) document.getElementById('focus-wrap').hidden = true;
  focusSel.addEventListener('change', () => setFocus(+focusSel.value));
  function setFocus(i) {
    if (i < 0 || i >= traces.length) return;
    const T = cursorTime();
    const atStart = ui.cursor[ui.focus] === 0;
    ui.focus = i; focusSel.value = String(i);
    ui.cursor[i] = atStart ? 0 : upperBound(traces[i].t, T);
    syncOthers(); render();
  }
  const playBtn = document.getElementById('btn-play');
  let lastTick = 0, carry = 0;
  function setPlaying(on) {
    ui.playing = on;
    playBtn.textContent = on ? 'pause' : 'play';
    playBtn.classList.toggle('on', on);
    if (on) { lastTick = performance.now(); carry = 0; requestAnimationFrame(tick); }
  }
  function tick(now) {
    if (!ui.playing) return;
    const dt = (now - lastTick) / 1000; lastTick = now;
    carry += dt * SPEEDS[ui.speedIdx];
    const steps = Math.floor(carry);
    if (steps > 0) {
      carry -= steps;
      const tr = traces[ui.focus];
      step(steps);
      if (ui.cursor[ui.focus] >= tr.n) setPlaying(false);
    }
    if (ui.playing) requestAnimationFrame(tick);
  }
  // One step is one event, except that counter events (queue lengths,
  // thread counts) are stepped over unless `C` turned that off: they repeat
  // what the picture already shows.
  function step(n) {
    const tr = traces[ui.focus];
    let c = ui.cursor[ui.focus];
    const dir = n > 0 ? 1 : -1;
    for (let k = 0; k < Math.abs(n); k++) {
      if (dir > 0) {
        if (c >= tr.n) break;
        c++;
        if (ui.skipCounters) while (c < tr.n && tr.k[c - 1] === K.Counter) c++;
      } else {
        if (c <= 0) break;
        c--;
        if (ui.skipCounters) while (c > 0 && tr.k[c - 1] === K.Counter) c--;
      }
    }
    setCursor(c);
  }
  function zoom(factor, atX) {
    const lw = layout ? layout.labelW : 110, pw = layout ? layout.plotW : canvas.clientWidth - 110;
    const frac = atX === undefined ? 0.5 : Math.max(0, Math.min(1, (atX - lw) / pw));
    const tAt = ui.t0 + frac * (ui.t1 - ui.t0);
    let span = (ui.t1 - ui.t0) * factor;
    span = Math.max(span, 50);  // 50ns across the screen at most
    span = Math.min(span, (tMax - tMin) * 4 + 1);
    ui.t0 = tAt - frac * span; ui.t1 = ui.t0 + span;
    render();
  }
  function pan(frac) {
    const d = (ui.t1 - ui.t0) * frac;
    ui.t0 += d; ui.t1 += d; render();
  }
  function toggleBig() {
    ui.big = !ui.big;
    document.documentElement.classList.toggle('big', ui.big);
    document.getElementById('btn-big').classList.toggle('on', ui.big);
    render(); drawPlots();
  }
  const help = document.getElementById('help');
  document.getElementById('btn-first').addEventListener('click', () => setCursor(0));
  document.getElementById('btn-back').addEventListener('click', () => step(-1));
  document.getElementById('btn-step').addEventListener('click', () => step(1));
  document.getElementById('btn-last').addEventListener('click', () => setCursor(Infinity));
  playBtn.addEventListener('click', () => setPlaying(!ui.playing));
  document.getElementById('btn-fit').addEventListener('click', () => { fit(); render(); });
  document.getElementById('btn-big').addEventListener('click', toggleBig);
  document.getElementById('btn-help').addEventListener('click', () => { help.hidden = !help.hidden; });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target && (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT')) return;
    const n = e.shiftKey ? 10 : 1;
    let handled = true;
    switch (e.key) {
      case ' ': setPlaying(!ui.playing); break;
      case 'ArrowRight': case '.': step(n); break;
      case 'ArrowLeft': case ',': step(-n); break;
      case 'Home': setCursor(0); break;
      case 'End': setCursor(Infinity); break;
      case '[': ui.speedIdx = Math.max(0, ui.speedIdx - 1); speedSel.value = String(ui.speedIdx); break;
      case ']': ui.speedIdx = Math.min(SPEEDS.length - 1, ui.speedIdx + 1); speedSel.value = String(ui.speedIdx); break;
      case '+': case '=': case 'w': case 'W': zoom(0.5); break;
      case '-': case '_': case 's': case 'S': zoom(2); break;
      case 'a': case 'A': pan(-0.25); break;
      case 'd': case 'D': pan(0.25); break;
      case '0': fit(); render(); break;
      case 'PageDown': ui.scrollY += canvas.clientHeight * 0.8; render(); break;
      case 'PageUp': ui.scrollY -= canvas.clientHeight * 0.8; render(); break;
      case 'g': case 'G': ui.showG = !ui.showG; render(); break;
      case 'c': case 'C': ui.skipCounters = !ui.skipCounters; render(); break;
      case '1': setFocus(0); break;
      case '2': setFocus(1); break;
      case 'f': case 'F': toggleBig(); break;
      case '?': help.hidden = !help.hidden; break;
      case 'Escape': help.hidden = true; break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    if (e.shiftKey) { ui.scrollY += e.deltaY || e.deltaX; render(); return; }
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) { pan(e.deltaX / 1000); return; }
    zoom(Math.pow(1.0015, e.deltaY), e.offsetX);
  }, { passive: false });
  let drag = null;
  canvas.addEventListener('mousedown', (e) => { drag = { x: e.offsetX, y: e.offsetY, t0: ui.t0, t1: ui.t1, sy: ui.scrollY, moved: false }; });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (!drag.moved || !layout) return;
    const dt = (dx / layout.plotW) * (drag.t1 - drag.t0);
    ui.t0 = drag.t0 - dt; ui.t1 = drag.t1 - dt; ui.scrollY = drag.sy - dy;
    render();
  });
  window.addEventListener('mouseup', (e) => {
    if (drag && !drag.moved && layout && e.target === canvas && e.offsetX > layout.labelW) {
      // Click: move the cursor to the last event at or before that time.
      const t = ui.t0 + ((e.offsetX - layout.labelW) / layout.plotW) * (ui.t1 - ui.t0);
      setCursor(upperBound(traces[ui.focus].t, t));
    }
    drag = null;
  });
  window.addEventListener('resize', () => { render(); drawPlots(); });

  // ---------------------------------------------------------- start up
  const title = traces.map((tr) => String(tr.header.scenario_name || '') + ' (' + String(tr.header.mode || '') + ')').join(' vs ');
  document.title = 'gosim \u2014 ' + title;
  document.getElementById('title').textContent = 'gosim \u2014 ' + title;
  drawTimeline();
  perf.timelineDrawn = performance.now();
  drawLegend();
  drawPictures(); drawWhy(); drawLog();
  perf.pictureDrawn = performance.now();
  requestAnimationFrame(() => {
    perf.firstPaint = performance.now();
    firstPaintDone = true;
    api.ready = true;
    // The rest is below the fold: drawn after the first paint.
    setTimeout(() => { drawPlots(); drawSummaries(); perf.complete = performance.now(); api.complete = true; }, 0);
  });

  // For the browser test and the benchmark: read-only views of the state.
  api.traceCount = traces.length;
  api.eventCount = (i) => traces[i].n;
  api.cursor = (i) => ui.cursor[i];
  api.view = () => ({ t0: ui.t0, t1: ui.t1, focus: ui.focus, big: ui.big, showG: ui.showG, playing: ui.playing,
    skipCounters: ui.skipCounters });
  api.whyWords = (ti, i) => whyWords(traces[ti], i);
  // What the timeline draws from, and where (device-independent CSS pixels).
  api.assists = (ti) => Array.from(traces[ti].assists);
  api.layout = () => layout && {
    labelW: layout.labelW, plotW: layout.plotW, axisH: layout.axisH, scrollY: ui.scrollY, t0: ui.t0, t1: ui.t1,
    lanes: layout.lanes.map((l) => ({ trace: l.tr.index, type: l.type, id: l.id === undefined ? -1 : l.id, y: l.y, h: l.h })),
  };
  api.firstPaintDone = () => firstPaintDone;
})();
