"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL on file descriptors 3 and 4), no extra package: one browser per
batch of pages, each page loaded with a session cookie, its console and log errors collected,
a screenshot taken and the page printed to a Letter-landscape PDF.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Loaded:
    url: str
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    pdf: bytes = b""


class Browser:
    def __init__(self, profile: Path, *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        args = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # The browser reads commands on fd 3 and writes answers on fd 4.
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_child_r} 4>&{from_child_w}', "chromium", *args],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(profile)},
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._to_child)
        os.close(self._from_child)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed its pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            got = self._read_message(deadline)
            if got.get("id") == ident:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                result: dict[str, Any] = got.get("result", {})
                return result
            self.events.append(got)

    def wait_event(self, method: str, session: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            got = self._read_message(deadline)
            if got.get("method") == method and got.get("sessionId") == session:
                return got
            self.events.append(got)

    def load(
        self,
        url: str,
        cookies: dict[str, str],
        *,
        width: int = 1280,
        pdf: bool = True,
    ) -> Loaded:
        """Open ``url`` in a new tab with these cookies; collect console/log errors, a full-page
        screenshot and (``pdf``) a print to US Letter landscape."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.send(f"{domain}.enable", session)
            for name, value in cookies.items():
                self.send("Network.setCookie", session, name=name, value=value, url=url)
            self.send(
                "Emulation.setDeviceMetricsOverride",
                session,
                width=width,
                height=900,
                deviceScaleFactor=1,
                mobile=False,
            )
            self.events = [e for e in self.events if e.get("sessionId") != session]
            self.send("Page.navigate", session, url=url)
            self.wait_event("Page.loadEventFired", session)
            out = Loaded(url)
            shot = self.send(
                "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
            )
            out.screenshot = base64.b64decode(shot["data"])
            if pdf:
                printed = self.send(
                    "Page.printToPDF",
                    session,
                    landscape=True,
                    paperWidth=11,
                    paperHeight=8.5,
                    preferCSSPageSize=True,
                    printBackground=True,
                )
                out.pdf = base64.b64decode(printed["data"])
            for e in self.events:
                if e.get("sessionId") != session:
                    continue
                p = e.get("params", {})
                if e["method"] == "Runtime.exceptionThrown":
                    out.errors.append(str(p.get("exceptionDetails", {}).get("text")))
                elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                    out.errors.append(json.dumps(p.get("args", []))[:300])
                elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                    out.errors.append(str(p["entry"].get("text"))[:300])
            self.events = [e for e in self.events if e.get("sessionId") != session]
            return out
        finally:
            self.send("Target.closeTarget", targetId=target)
