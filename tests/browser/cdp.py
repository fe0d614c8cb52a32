"""A small driver for headless Chromium over the DevTools protocol (CDP).

No npm, no Selenium: Debian's `chromium` and `python3-websocket`. Chromium is
started with --remote-debugging-port=0; the port it picked is read from
DevToolsActivePort in its fresh user-data dir, the page target is found with
/json/list on that port, and commands go over the target's websocket.

Everything the page reports as an error is collected: uncaught exceptions
(Runtime.exceptionThrown), console.error/console.assert
(Runtime.consoleAPICalled) and browser log errors such as a blocked load
(Log.entryAdded). Callers fail on any of them.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-allow-origins=*",
    "--remote-debugging-port=0",
]


class Unavailable(Exception):
    """Chromium or the websocket module cannot be used on this machine."""


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return None


class Browser:
    def __init__(self, width=1400, height=1000, timeout=60):
        try:
            import websocket  # python3-websocket
        except ImportError as e:
            raise Unavailable("python3-websocket is not installed (apt-get install python3-websocket): %s" % e)
        self._websocket = websocket
        exe = find_chromium()
        if not exe:
            raise Unavailable("chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="gosim-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        self._log = open(self.log_path, "wb")
        args = [exe] + CHROMIUM_FLAGS + [
            "--user-data-dir=" + self.profile,
            "--window-size=%d,%d" % (width, height),
            "about:blank",
        ]
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.next_id = 0
        self.events = []
        self.errors = []
        try:
            port = self._wait_port(timeout)
            self.ws = self._connect_page(port, timeout)
        except Exception:
            self.close()
            raise
        self.call("Runtime.enable")
        self.call("Log.enable")
        self.call("Page.enable")

    def _wait_port(self, timeout):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable("chromium exited at start (status %s): %s" % (self.proc.returncode, self.log_tail()))
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if lines and lines[0].strip():
                    return int(lines[0])
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise Unavailable("chromium did not open its DevTools port in %ss: %s" % (timeout, self.log_tail()))

    def _connect_page(self, port, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as r:
                    targets = json.loads(r.read().decode())
                pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
                if pages:
                    return self._websocket.create_connection(
                        pages[0]["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True)
            except OSError:
                pass
            time.sleep(0.1)
        raise Unavailable("no page target on the DevTools port")

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def _note(self, msg):
        method = msg.get("method")
        params = msg.get("params", {})
        self.events.append(msg)
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            ex = d.get("exception", {})
            self.errors.append("uncaught exception: %s %s" % (d.get("text", ""), ex.get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
            self.errors.append("console.%s: %s" % (params.get("type"), " ".join(str(a) for a in args)))
        elif method == "Log.entryAdded":
            e = params.get("entry", {})
            if e.get("level") == "error":
                self.errors.append("log error (%s): %s %s" % (e.get("source"), e.get("text"), e.get("url", "")))

    def call(self, method, params=None, timeout=120):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        deadline = time.time() + timeout
        while True:
            self.ws.settimeout(max(0.1, deadline - time.time()))
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError("%s failed: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._note(msg)
            if time.time() > deadline:
                raise TimeoutError(method)

    def wait_event(self, method, timeout=60):
        for i, msg in enumerate(self.events):
            if msg.get("method") == method:
                del self.events[i]
                return msg
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.time()))
            msg = json.loads(self.ws.recv())
            self._note(msg)
            if msg.get("method") == method:
                self.events.remove(msg)
                return msg
        raise TimeoutError("no %s in %ss" % (method, timeout))

    def evaluate(self, expression, timeout=120):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate failed: %s: %s" % (expression[:80], r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def wait_for(self, expression, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return True
            time.sleep(0.05)
        raise TimeoutError("waited %ss for %s" % (timeout, expression))

    def navigate(self, path, timeout=120):
        url = "file://" + os.path.abspath(path)
        self.call("Page.navigate", {"url": url}, timeout=timeout)
        self.wait_event("Page.loadEventFired", timeout=timeout)

    # Real key presses, as a user's keyboard sends them.
    KEYS = {
        "ArrowRight": ("ArrowRight", 39), "ArrowLeft": ("ArrowLeft", 37), "Home": ("Home", 36),
        "End": ("End", 35), " ": ("Space", 32), "f": ("KeyF", 70), "g": ("KeyG", 71), "2": ("Digit2", 50),
        "1": ("Digit1", 49), "+": ("Equal", 187), "-": ("Minus", 189), "0": ("Digit0", 48), "?": ("Slash", 191),
        "Escape": ("Escape", 27),
    }

    def press(self, key, times=1):
        code, vk = self.KEYS[key]
        for _ in range(times):
            down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk}
            if len(key) == 1:
                down["text"] = key
            self.call("Input.dispatchKeyEvent", down)
            self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
