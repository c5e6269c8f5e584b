"""Headless Chromium for tests: load a page, collect console errors, requests, a screenshot and
values evaluated in the page.

Talks the Chrome DevTools Protocol over a websocket with a small client written on the standard
library (no websocket package needed). Chromium is Debian's ``chromium`` package
(``apt-get install -y chromium``); :func:`find_chromium` returns None when it is missing and
:func:`require_chromium` turns that into a pytest skip locally, or a failure under ``CI=true``.

    with Chromium() as browser:
        page = browser.load(Path("out/countries.html"), wait_for="window.graphdb && window.graphdb.ready")
        assert page.console_errors == []
        n = page.evaluate("window.graphdb.nodes.length")
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install it with: apt-get update && apt-get install -y chromium"


def find_chromium() -> str | None:
    """Path of a Chromium binary ($CHROMIUM overrides), or None."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    """The Chromium path; skip the test if it is missing, but fail under CI=true."""
    import pytest

    path = find_chromium()
    if path:
        return path
    msg = f"headless Chromium not found ({', '.join(CHROMIUM_NAMES)}); {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {msg}", pytrace=False)
    pytest.skip(msg)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# a minimal websocket client (RFC 6455), enough for the DevTools protocol


class _WebSocket:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + (f"?{u.query}" if u.query else "")
        request = (f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        status, _, rest = head.partition(b"\r\n\r\n")
        first_line = status.split(b"\r\n")[0]
        if b" 101 " not in first_line:
            raise ConnectionError(f"websocket handshake failed: {first_line!r}")
        self.buf = rest
        self.partial = b""

    def _fill(self, n: int) -> None:
        """Make sure the buffer holds n bytes; a socket timeout leaves the buffer intact."""
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buf += chunk

    def _frame(self) -> tuple[int, int, bytes]:
        """Read one whole frame (fin, opcode, payload); consumes nothing until it is complete."""
        self._fill(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._fill(4)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        masked = b1 & 0x80
        total = at + (4 if masked else 0) + n
        self._fill(total)
        frame, self.buf = self.buf[:total], self.buf[total:]
        data = frame[total - n:]
        if masked:
            mask = frame[at:at + 4]
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        return b0 & 0x80, b0 & 0x0F, data

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])  # FIN + text
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + masked)

    def recv(self) -> str:
        while True:
            fin, opcode, data = self._frame()
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode == 0x9:  # ping -> pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(data)]) + b"\0\0\0\0" + data)
                continue
            if opcode in (0x1, 0x2, 0x0):
                self.partial += data
                if fin:
                    message, self.partial = self.partial, b""
                    return message.decode("utf-8", errors="replace")

    def close(self) -> None:
        try:
            self.sock.sendall(bytes([0x88, 0x80]) + b"\0\0\0\0")
        except OSError:
            pass
        self.sock.close()


# ---------------------------------------------------------------------------------------------


@dataclass
class PageResult:
    url: str
    console_errors: list[str] = field(default_factory=list)
    console_messages: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes | None = None
    load_seconds: float = 0.0

    def external_requests(self) -> list[str]:
        """Requests that would leave the machine (anything but file:, data:, blob:, about:)."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:", "about:", "chrome"))]


class Chromium:
    """One headless Chromium with a fresh profile; use as a context manager."""

    def __init__(self, binary: str | None = None, *, width: int = 1280, height: int = 900, timeout: float = 60.0):
        found = binary or find_chromium()
        if not found:
            raise FileNotFoundError(f"Chromium not found; {INSTALL_HINT}")
        self.binary: str = found
        self.width, self.height, self.timeout = width, height, timeout
        self.profile = tempfile.mkdtemp(prefix="graphdb-chromium-")
        self.proc: subprocess.Popen | None = None
        self.ws: _WebSocket | None = None
        self._id = 0
        self._events: list[dict] = []

    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        args = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
                "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                "--remote-allow-origins=*", f"--window-size={self.width},{self.height}", "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        ws_url = self._wait_for_devtools_url()
        self.ws = _WebSocket(ws_url, timeout=self.timeout)

    def _wait_for_devtools_url(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if port_file.exists():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            if self.proc.poll() is not None:
                err = self.proc.stderr.read()
                raise RuntimeError(f"Chromium exited with {self.proc.returncode}: {err[-2000:]}")
            time.sleep(0.05)
        raise TimeoutError("Chromium did not open its DevTools port in time")

    def close(self) -> None:
        if self.ws is not None:
            try:
                self._send("Browser.close", {}, wait=False)
            except (OSError, ConnectionError):
                pass
            self.ws.close()
            self.ws = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            if self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol -------------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: str | None = None,
              wait: bool = True, timeout: float | None = None) -> dict:
        assert self.ws is not None
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        if not wait:
            return {}
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to {method}")
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _drain(self, seconds: float) -> None:
        """Read events for a short while (nothing is sent)."""
        assert self.ws is not None
        end = time.monotonic() + seconds
        self.ws.sock.settimeout(0.05)
        try:
            while time.monotonic() < end:
                try:
                    self._events.append(json.loads(self.ws.recv()))
                except TimeoutError:
                    continue
        finally:
            self.ws.sock.settimeout(self.timeout)

    # -- high level -----------------------------------------------------------------------------

    def load(self, target: Path | str, *, wait_for: str | None = None, evaluate: dict[str, str] | None = None,
             screenshot: Path | None = None, settle: float = 0.3) -> PageResult:
        """Open ``target`` (a file path or URL) in a new tab and collect what happened.

        ``wait_for`` is a JS expression polled until truthy (TimeoutError otherwise);
        ``evaluate`` maps names to JS expressions whose JSON values end in ``result.values``;
        ``screenshot`` writes a PNG there (and it is also in ``result.screenshot``).
        """
        url = target if isinstance(target, str) and re.match(r"^[a-z]+:", target) else Path(target).resolve().as_uri()
        self._events.clear()
        target_id = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self._send(f"{domain}.enable", {}, session)
        self._send("Emulation.setDeviceMetricsOverride",
                   {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False}, session)
        start = time.monotonic()
        self._send("Page.navigate", {"url": url}, session)
        result = PageResult(url=url)
        deadline = start + self.timeout
        while True:
            state = self._send("Runtime.evaluate", {"expression": "document.readyState", "returnByValue": True},
                               session)["result"].get("value")
            if state == "complete":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            time.sleep(0.05)
        if wait_for:
            while True:
                ok = self._send("Runtime.evaluate", {"expression": f"!!({wait_for})", "returnByValue": True},
                                session)["result"].get("value")
                if ok:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url}: {wait_for} never became true")
                time.sleep(0.1)
        result.load_seconds = time.monotonic() - start
        self._drain(settle)
        for name, expr in (evaluate or {}).items():
            reply = self._send("Runtime.evaluate",
                               {"expression": f"JSON.stringify({expr})", "returnByValue": True}, session)
            if "exceptionDetails" in reply:
                raise RuntimeError(f"evaluating {name}: {reply['exceptionDetails'].get('text')}")
            raw = reply["result"].get("value")
            result.values[name] = json.loads(raw) if raw is not None else None
        shot = self._send("Page.captureScreenshot", {"format": "png"}, session)
        result.screenshot = base64.b64decode(shot["data"])
        if screenshot is not None:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            Path(screenshot).write_bytes(result.screenshot)
        self._collect(result, session)
        self._send("Target.closeTarget", {"targetId": target_id})
        return result

    def _collect(self, result: PageResult, session: str) -> None:
        for ev in self._events:
            if ev.get("sessionId") != session:
                continue
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                result.console_messages.append(f"{params.get('type')}: {text}")
                if params.get("type") in ("error", "assert"):
                    result.console_errors.append(text)
            elif method == "Runtime.exceptionThrown":
                d = params.get("exceptionDetails", {})
                desc = d.get("exception", {}).get("description") or d.get("text", "exception")
                result.console_errors.append(f"uncaught: {desc}")
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                result.console_messages.append(f"{entry.get('level')}: {entry.get('text')}")
                if entry.get("level") == "error":
                    result.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
            elif method == "Network.requestWillBeSent":
                result.requests.append(params.get("request", {}).get("url", ""))


def png_colours(png: bytes, box: tuple[int, int, int, int] | None = None) -> int:
    """Number of distinct colours in a PNG (optionally inside box = left, top, right, bottom)."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    if box:
        img = img.crop(box)
    colours = img.getcolors(maxcolors=1 << 24)
    return len(colours) if colours else 0
