#!/usr/bin/env python3
"""Browser test of `gosim view --html` (issue 5): drives the page in headless
Chromium over the DevTools protocol.

1. `gosim run scenarios/hello.json --trace` makes a real trace, and
   `gosim view --html` the page.
2. The page is opened from file://; it must paint its timeline (non-blank
   canvas) with no console error, uncaught exception or blocked load.
3. Keys are pressed as a user would (Right, Left, End, Home, Space; a step
   passes over counter events, as the page does by default): after
   each, the G/M/P picture the page drew (data-* attributes and the visible
   chips) must equal the state replay.py computes from the trace file on its
   own, and the why words must be the file's "text" for that event.
4. A screenshot is saved under the build dir (hello-step.png, and the
   large-font mode hello-big.png).
5. Two traces side by side: both pictures, one shared time; stepping trace B
   (key 2) keeps A at the same moment.

Exit status: 0 passed, 1 failed, 77 skipped (only when Chromium or
python3-websocket is missing and CI is not set; in CI that is a failure).
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import replay  # noqa: E402

SKIP = 77
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r


# What the page drew, read back from the DOM.
READ_PICTURE = r"""
(ti) => {
  const pic = document.querySelector('.picture[data-trace="' + ti + '"]');
  if (!pic) return null;
  const ints = (s) => (s ? s.split(' ').filter(Boolean).map(Number) : []);
  const chipText = (node) => (node ? node.textContent : null);
  return {
    event: Number(pic.dataset.event),
    time: Number(pic.dataset.time),
    procs: [...pic.querySelectorAll('.proc')].map((d) => ({
      p: Number(d.dataset.p), status: d.dataset.status, m: Number(d.dataset.m), g: Number(d.dataset.g),
      runnext: Number(d.dataset.runnext), local: ints(d.dataset.local),
      assist: Number(d.dataset.assist), held: d.dataset.held === '1',
      notes: [...d.querySelectorAll('.note')].map((n) => n.textContent),
      shownRunning: chipText(d.querySelectorAll('.row')[0].querySelector('.chip')),
      shownRunnext: chipText(d.querySelectorAll('.row')[1].querySelector('.chip')),
      shownLocal: [...d.querySelectorAll('.row')[2].querySelectorAll('.chip')].map((c) => c.textContent),
    })),
    global: ints(pic.querySelector('.global').dataset.global),
    assists: ints(pic.querySelector('.gcstate').dataset.assists),
    threads: [...pic.querySelectorAll('.thread')].map((t) => ({
      m: Number(t.dataset.m), status: t.dataset.status, p: Number(t.dataset.p), g: Number(t.dataset.g),
      text: t.textContent })),
  };
}
"""


def read_picture(b, ti):
    return b.evaluate("(%s)(%d)" % (READ_PICTURE, ti))


def chip_name(g):
    return "G%d" % g if g >= 0 else "\u2014"


def compare(b, trace, ti, count, label):
    """The page's picture of trace ti must show the state after `count` events."""
    # The page redraws on the next animation frame after a key: wait for it.
    try:
        b.wait_for("(() => { const p = document.querySelector('.picture[data-trace=\"%d\"]');"
                   " return p && Number(p.dataset.event) === %d; })()" % (ti, count), timeout=30)
    except TimeoutError:
        pass  # reported below
    pic = read_picture(b, ti)
    if not check(pic is not None, "%s: no picture for trace %d" % (label, ti)):
        return
    check(pic["event"] == count, "%s: picture shows event %s, expected %d" % (label, pic["event"], count))
    want = replay.state_after(trace, count).snapshot()
    got_procs = [{k: p[k] for k in ("p", "status", "m", "g", "runnext", "local", "assist", "held")} for p in pic["procs"]]
    check(got_procs == want["procs"], "%s: Ps differ\n  page: %s\n  file: %s" % (label, got_procs, want["procs"]))
    check(pic["global"] == want["global"], "%s: global queue page %s file %s" % (label, pic["global"], want["global"]))
    check(sorted(pic["assists"]) == want["assists"], "%s: mark assists page %s file %s" % (label, pic["assists"], want["assists"]))
    # The words agree with the attributes: a held P and an assisting G say so.
    for p in pic["procs"]:
        held_note = any("hand-off is off" in n for n in p["notes"])
        check(held_note == p["held"], "%s: P%d held=%s but notes %s" % (label, p["p"], p["held"], p["notes"]))
        assist_note = any(("G%d is in a GC mark assist" % p["assist"]) in n for n in p["notes"])
        check(assist_note == (p["assist"] >= 0), "%s: P%d assist=%d but notes %s" % (label, p["p"], p["assist"], p["notes"]))
    got_threads = [{k: t[k] for k in ("m", "status", "p", "g")} for t in pic["threads"]]
    check(got_threads == want["threads"], "%s: Ms differ\n  page: %s\n  file: %s" % (label, got_threads, want["threads"]))
    # What is visible agrees with the attributes.
    for p in pic["procs"]:
        check(p["shownRunning"] == chip_name(p["g"]), "%s: P%d shows %s running, data says %d" % (label, p["p"], p["shownRunning"], p["g"]))
        check(p["shownRunnext"] == chip_name(p["runnext"]), "%s: P%d runnext chip %s" % (label, p["p"], p["shownRunnext"]))
        check(p["shownLocal"] == [chip_name(g) for g in p["local"][:48]], "%s: P%d local chips %s" % (label, p["p"], p["shownLocal"]))
    for t in pic["threads"]:
        check(t["text"].startswith("M%d %s" % (t["m"], t["status"])), "%s: thread text %r" % (label, t["text"]))
    if count > 0 and ti == b.evaluate("window.gosim.view().focus"):
        ev = trace["events"][count - 1]
        words = b.evaluate("document.querySelector('#why .words').textContent")
        if "text" in ev:
            check(words == ev["text"], "%s: why words %r, file says %r" % (label, words, ev["text"]))
        check(bool(words), "%s: no why words" % label)
    return pic


def canvas_ink():
    # Pixels of the timeline canvas that are not white: it was drawn.
    return r"""(() => { const c = document.getElementById('timeline');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) ink++;
      return ink; })()"""


def page_errors(b, label):
    errs = list(b.errors)
    try:
        errs += b.evaluate("window.gosim ? window.gosim.errors : ['window.gosim missing']") or []
    except Exception as e:  # the page may be gone
        errs.append(str(e))
    check(not errs, "%s: errors in the page: %s" % (label, errs))
    b.errors.clear()


def moved(events, pos, steps):
    """Where `steps` presses of Right (or Left, if negative) leave the cursor:
    one event each, counter events stepped over (the page's default)."""
    n = len(events)
    for _ in range(abs(steps)):
        if steps > 0:
            if pos >= n:
                break
            pos += 1
            while pos < n and events[pos - 1]["ev"] == "Counter":
                pos += 1
        else:
            if pos <= 0:
                break
            pos -= 1
            while pos > 0 and events[pos - 1]["ev"] == "Counter":
                pos -= 1
    return pos


MINI = r"""(() => { const c = document.querySelector('.picture[data-trace="0"] canvas.mini');
  if (!c) return null; const r = c.getBoundingClientRect();
  return { x: Number(c.dataset.cursorX), t: Number(c.dataset.cursorT), t0: Number(c.dataset.t0), t1: Number(c.dataset.t1),
           w: c.clientWidth, left: r.left + c.clientLeft, top: r.top + c.clientTop, h: c.clientHeight }; })()"""


def mini_timeline(b, trace, pos):
    """The mini-timeline over the picture marks the current step's time, and
    a click on it moves the cursor to the last event at or before that time."""
    events = trace["events"]
    mini = b.evaluate(MINI)
    if not check(mini is not None, "no mini-timeline over the picture"):
        return
    t = events[pos - 1]["t"] if pos > 0 else events[0]["t"]
    check(mini["t"] == t, "mini-timeline at t=%s, the step is at %s" % (mini["t"], t))
    want_x = (t - mini["t0"]) / (mini["t1"] - mini["t0"]) * mini["w"]
    check(abs(mini["x"] - want_x) < 0.5, "mini-timeline marker at x=%s, expected %s" % (mini["x"], want_x))
    # Click at 60% of its width (CSS pixels; the page maps offsetX to time).
    cx, cy = mini["left"] + 0.6 * mini["w"], mini["top"] + mini["h"] / 2
    for typ in ("mousePressed", "mouseReleased"):
        b.call("Input.dispatchMouseEvent", {"type": typ, "x": cx, "y": cy, "button": "left", "clickCount": 1})
    t_click = mini["t0"] + 0.6 * (mini["t1"] - mini["t0"])
    slack = 1.5 * (mini["t1"] - mini["t0"]) / mini["w"]  # mouse coordinates are rounded to pixels
    try:
        b.wait_for("window.gosim.cursor(0) !== %d" % pos, timeout=10)
    except TimeoutError:
        pass
    c = b.evaluate("window.gosim.cursor(0)")
    ok = (c == 0 or events[c - 1]["t"] <= t_click + slack) and (c == len(events) or events[c]["t"] > t_click - slack)
    check(ok, "click on the mini-timeline at t=%s put the cursor at event %d (t=%s)" % (t_click, c, events[c - 1]["t"] if c else None))
    compare(b, trace, 0, c, "after a click on the mini-timeline (event %d)" % c)


def single_trace(b, gosim, out, trace_path):
    trace = replay.load_trace(trace_path)
    n = len(trace["events"])
    check(n > 10, "hello trace has only %d events" % n)
    page = os.path.join(out, "hello.html")
    run([gosim, "view", "--html", page, trace_path])
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check("http://" not in html and "https://" not in html, "page refers to the network")

    b.navigate(page)
    b.wait_for("window.gosim && window.gosim.ready === true && window.gosim.complete === true")
    check(b.evaluate("window.gosim.eventCount(0)") == n, "page holds a different number of events than the file")
    check(b.evaluate(canvas_ink()) > 2000, "the timeline canvas is blank")
    page_errors(b, "load")
    compare(b, trace, 0, 0, "before any step")

    pos, pressed = 0, 0
    for steps in (1, 4, 12, 23):
        b.press("ArrowRight", steps)
        pressed += steps
        pos = moved(trace["events"], pos, steps)
        compare(b, trace, 0, pos, "after %d steps (event %d)" % (pressed, pos))
        if pressed == 17:
            b.screenshot(os.path.join(out, "hello-step.png"))
    b.press("ArrowLeft", 3)
    pos = moved(trace["events"], pos, -3)
    compare(b, trace, 0, pos, "3 steps back, at event %d" % pos)
    mini_timeline(b, trace, pos)
    pos = b.evaluate("window.gosim.cursor(0)")
    b.press("End")
    compare(b, trace, 0, n, "End")
    b.press("Home")
    compare(b, trace, 0, 0, "Home")

    # Play moves the cursor on its own; Space again stops it.
    b.press(" ")
    try:
        b.wait_for("window.gosim.cursor(0) > 0", timeout=30)
    except TimeoutError:
        check(False, "Space (play) did not advance the cursor")
    b.press(" ")
    stopped = b.evaluate("window.gosim.cursor(0)")
    compare(b, trace, 0, stopped, "after play/pause at %d" % stopped)

    # Zoom keys change the visible span; 0 fits the run again.
    span0 = b.evaluate("(() => { const v = window.gosim.view(); return v.t1 - v.t0; })()")
    b.press("+")
    span1 = b.evaluate("(() => { const v = window.gosim.view(); return v.t1 - v.t0; })()")
    check(span1 < span0, "zoom in did not narrow the view (%s -> %s)" % (span0, span1))
    b.press("0")

    # Large-font mode for projectors.
    b.press("ArrowRight", 5)
    b.press("f")
    check(b.evaluate("document.documentElement.classList.contains('big')"), "F did not turn on large-font mode")
    check(b.evaluate("parseFloat(getComputedStyle(document.getElementById('why')).fontSize)") >= 24,
          "large-font mode did not enlarge the why line")
    b.wait_for("true")
    b.screenshot(os.path.join(out, "hello-big.png"))
    b.press("f")
    page_errors(b, "single trace")


def two_traces(b, gosim, src, out, trace_a):
    trace_b_path = os.path.join(out, "hello-seed2.trace.json")
    run([gosim, "run", os.path.join(src, "scenarios", "hello.json"), "--set", "seed=2", "--trace", trace_b_path])
    page = os.path.join(out, "two.html")
    run([gosim, "view", "--html", page, trace_a, trace_b_path])
    ta, tb = replay.load_trace(trace_a), replay.load_trace(trace_b_path)
    b.navigate(page)
    b.wait_for("window.gosim && window.gosim.ready === true && window.gosim.complete === true")
    check(b.evaluate("window.gosim.traceCount") == 2, "two traces, page has %s" % b.evaluate("window.gosim.traceCount"))
    check(b.evaluate("document.querySelectorAll('.picture').length") == 2, "two pictures side by side")
    check(b.evaluate("document.querySelectorAll('.summary').length") == 2, "two summaries")
    b.press("2")
    check(b.evaluate("window.gosim.view().focus") == 1, "key 2 did not focus trace B")
    b.press("ArrowRight", 20)
    pos = moved(tb["events"], 0, 20)
    compare(b, tb, 1, pos, "trace B after 20 steps (event %d)" % pos)
    # Trace A follows the shared time axis: every A event up to B's time.
    t = tb["events"][pos - 1]["t"]
    a_count = sum(1 for e in ta["events"] if e["t"] <= t)
    compare(b, ta, 0, a_count, "trace A at B's time %d" % t)
    b.screenshot(os.path.join(out, "two-traces.png"))
    page_errors(b, "two traces")


def presses_to(events, pos, target):
    """Right presses that take the cursor from pos to target (target must be
    a place the cursor can stop: just after a scheduler event): one press per
    scheduler event in between, counter events are stepped over."""
    return sum(1 for e in events[pos:target] if e["ev"] != "Counter")


def open_page(b, gosim, out, name, trace_path):
    page = os.path.join(out, name + ".html")
    run([gosim, "view", "--html", page, trace_path])
    b.navigate(page)
    b.wait_for("window.gosim && window.gosim.ready === true && window.gosim.complete === true")
    return replay.load_trace(trace_path)


def syscall_handoff(b, gosim, src, out):
    """Every step of the syscall-handoff scenario, with hand-off off (the P is
    held by its M through the syscall) and on (sysmon retakes it)."""
    for handoff in ("false", "true"):
        name = "syscall-handoff-" + ("on" if handoff == "true" else "off")
        path = os.path.join(out, name + ".trace.json")
        run([gosim, "run", os.path.join(src, "scenarios", "syscall-handoff.json"),
             "--set", "mechanisms.syscall_handoff=" + handoff, "--trace", path])
        trace = open_page(b, gosim, out, name, path)
        events = trace["events"]
        held_seen, pos = 0, 0
        while pos < len(events):
            b.press("ArrowRight")
            pos = moved(events, pos, 1)
            pic = compare(b, trace, 0, pos, "%s, event %d" % (name, pos))
            if pic:
                held_seen += sum(1 for p in pic["procs"] if p["held"])
        # The trace's syscall is long (5ms): with hand-off off the P is held
        # at every step inside it; with it on, never.
        enter = next(i for i, e in enumerate(events) if e["ev"] == "GoSysCall")
        exit_ = next(i for i, e in enumerate(events) if e["ev"] == "GoSysExit")
        inside = sum(1 for e in events[enter:exit_] if e["ev"] != "Counter")
        if handoff == "false":
            check(held_seen >= inside, "%s: P held at %d steps, the syscall spans %d" % (name, held_seen, inside))
        else:
            check(held_seen == 0, "%s: P shown held %d times with hand-off on" % (name, held_seen))
        page_errors(b, name)


def pixel(b, x, y):
    return b.evaluate("(() => { const c = document.getElementById('timeline'); const d = window.devicePixelRatio || 1;"
                      " return Array.from(c.getContext('2d').getImageData(Math.round(%f * d), Math.round(%f * d), 1, 1).data); })()"
                      % (x, y))


def gc_assists(b, gosim, src, out):
    """Mark assists: the page's spans are the trace's, they are drawn on the
    assisting G's P lane (a purple band over the slice), and the pictures at
    steps inside assists (and after global-queue batches) match replay.py."""
    path = os.path.join(out, "gc-stw-assist.trace.json")
    run([gosim, "run", os.path.join(src, "scenarios", "gc-stw-assist.json"), "--trace", path])
    trace = open_page(b, gosim, out, "gc-stw-assist", path)
    events = trace["events"]
    fns = (trace["header"].get("names") or {}).get("functions") or []
    check(0 < len(fns) <= 4, "function colours could be the assist purple: %s" % fns)
    want, open_ = [], {}
    for e in events:
        if e["ev"] == "GCMarkAssistStart":
            open_[e["g"]] = (e["t"], e["p"])
        elif e["ev"] == "GCMarkAssistDone" and e["g"] in open_:
            t0, p = open_.pop(e["g"])
            want.append((t0, e["t"], e["g"], p))
    check(len(want) > 10, "gc-stw-assist has only %d assists" % len(want))
    flat = b.evaluate("window.gosim.assists(0)")
    got = [tuple(int(v) for v in flat[k:k + 4]) for k in range(0, len(flat), 4)]
    check(sorted(got) == sorted(want), "assist spans: page %s..., file %s..." % (sorted(got)[:3], sorted(want)[:3]))
    check(b.evaluate("!!document.querySelector('#legend [data-key=\"assist\"]')"), "no legend entry for mark assists")

    # Drawn where the trace says: the top band of the P lane is purple in
    # the middle of a long assist, and not where that P runs without one.
    lay = b.evaluate("window.gosim.layout()")
    x_of = lambda t: lay["labelW"] + (t - lay["t0"]) * lay["plotW"] / (lay["t1"] - lay["t0"])
    lane_y = {l["id"]: lay["axisH"] + l["y"] - lay["scrollY"] for l in lay["lanes"] if l["type"] == "p" and l["trace"] == 0}
    purple = [204, 121, 167]
    inside_ok = inside_n = outside_bad = outside_n = 0
    for t0, t1, g, p in want:
        if x_of(t1) - x_of(t0) < 12 or p not in lane_y:
            continue
        for frac in (0.4, 0.5, 0.6):
            inside_n += 1
            if pixel(b, x_of(t0 + (t1 - t0) * frac), lane_y[p] + 4)[:3] == purple:
                inside_ok += 1
    runs = replay.run_spans(trace)
    for g, p, s0, s1 in runs:
        if p not in lane_y:
            continue
        # Pixels of this run at least 4px away from every assist on p.
        for frac in (0.25, 0.5, 0.75):
            t = s0 + (s1 - s0) * frac
            x = x_of(t)
            if x_of(s1) - x_of(s0) < 12 or any(x_of(a0) - 4 <= x <= x_of(a1) + 4 for a0, a1, _, ap in want if ap == p):
                continue
            outside_n += 1
            if pixel(b, x, lane_y[p] + 4)[:3] == purple:
                outside_bad += 1
    check(inside_n >= 10 and inside_ok == inside_n, "assist band drawn at %d of %d points inside assists" % (inside_ok, inside_n))
    check(outside_n >= 10 and outside_bad == 0, "assist band at %d of %d points outside assists" % (outside_bad, outside_n))
    b.screenshot(os.path.join(out, "gc-assists.png"))

    # Pictures: inside some assists, and after Gs started from the global
    # queue (globrunqget brings a batch to the local queue).
    targets = set()
    starts = [i for i, e in enumerate(events) if e["ev"] == "GCMarkAssistStart"]
    targets.update(i + 1 for i in starts[::max(1, len(starts) // 6)])
    globals_ = [i for i, e in enumerate(events) if e["ev"] == "GoStart" and e.get("why") in ("StartGlobal", "StartFairness")]
    targets.update(i + 1 for i in globals_[::max(1, len(globals_) // 6)])
    pos, assisting_seen = 0, 0
    for target in sorted(targets):
        b.press("ArrowRight", presses_to(events, pos, target))
        pos = target
        pic = compare(b, trace, 0, pos, "gc-stw-assist, event %d" % pos)
        if pic:
            assisting_seen += len(pic["assists"])
    check(assisting_seen >= 6, "only %d assisting Gs seen at steps inside assists" % assisting_seen)
    page_errors(b, "gc assists")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gosim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    in_ci = bool(os.environ.get("CI"))

    trace_path = os.path.join(args.out, "hello.trace.json")
    run([args.gosim, "run", os.path.join(args.source, "scenarios", "hello.json"), "--trace", trace_path])

    try:
        b = cdp.Browser()
    except cdp.Unavailable as e:
        if in_ci:
            print("FAIL: the browser test must run in CI: %s" % e)
            return 1
        print("SKIPPED: headless Chromium cannot run here: %s" % e)
        return SKIP
    try:
        single_trace(b, args.gosim, args.out, trace_path)
        two_traces(b, args.gosim, args.source, args.out, trace_path)
        syscall_handoff(b, args.gosim, args.source, args.out)
        gc_assists(b, args.gosim, args.source, args.out)
    finally:
        b.close()
    if failures:
        print("%d check(s) failed; screenshots in %s" % (len(failures), args.out))
        return 1
    print("browser test passed; screenshots in %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
