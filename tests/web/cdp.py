"""A small DevTools-protocol client for driving the real headless Chromium from Debian.

Starts ``chromium --headless`` with its own profile, attaches to one page over the browser's
WebSocket (``websockets``' synchronous client) and offers what the web tests need: navigate,
evaluate script, click, download a file, take a screenshot. Waits poll for a condition with
a generous ceiling, never sleep a fixed time.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CEILING = 30.0


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, profile: Path, downloads: Path) -> None:
        exe = chromium_path()
        if exe is None:
            raise RuntimeError("chromium is not installed: run bash .ci/chromium")
        self.downloads = downloads
        downloads.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1280,900",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        lines = self._wait(lambda: port_file.exists() and
                           len(port_file.read_text().splitlines()) >= 2 and
                           port_file.read_text().splitlines(), "DevTools port")
        self.ws = connect(f"ws://127.0.0.1:{lines[0]}{lines[1]}", max_size=None,
                          open_timeout=CEILING)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Runtime.enable", session=True)
        self.send("Browser.setDownloadBehavior", {"behavior": "allow",
                                                  "downloadPath": str(downloads),
                                                  "eventsEnabled": True})

    def _wait(self, probe: Any, what: str, ceiling: float = CEILING) -> Any:
        deadline = time.monotonic() + ceiling
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited while waiting for {what}")
            time.sleep(0.05)
        raise TimeoutError(f"waited {ceiling}s for {what}")

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: bool = False) -> dict[str, Any]:
        msg_id = next(self.ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + CEILING
        while time.monotonic() < deadline:
            data = json.loads(self.ws.recv(timeout=CEILING))
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)
        raise TimeoutError(method)

    def _pump(self, ceiling: float = 0.05) -> None:
        try:
            while True:
                self.events.append(json.loads(self.ws.recv(timeout=ceiling)))
        except TimeoutError:
            pass

    def goto(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_loaded()

    def wait_loaded(self) -> None:
        def loaded() -> bool:
            self._pump()
            return any(e.get("method") == "Page.loadEventFired" for e in self.events)

        self._wait(loaded, "the page to load")
        self.events.clear()

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click_and_load(self, selector: str) -> None:
        self.events.clear()
        self.eval(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_loaded()

    @property
    def url(self) -> str:
        return str(self.eval("location.href"))

    def text(self, selector: str) -> str:
        return str(self.eval(f"(document.querySelector({json.dumps(selector)}) || "
                             "{innerText: ''}).innerText"))

    def download(self, selector: str) -> Path:
        """Click a download link and wait for the file to be complete."""
        before = set(self.downloads.iterdir())
        self.events.clear()
        self.eval(f"document.querySelector({json.dumps(selector)}).click()")

        def done() -> bool:
            self._pump()
            return any(e.get("method") == "Browser.downloadProgress" and
                       e["params"].get("state") == "completed" for e in self.events)

        self._wait(done, "the download")
        new = [p for p in self.downloads.iterdir() if p not in before]
        return self._wait(lambda: [p for p in new if p.suffix != ".crdownload"] and new[0],
                          "the downloaded file")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport":
                                                    True}, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
