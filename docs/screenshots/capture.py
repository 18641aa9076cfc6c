"""Re-make the screenshots of the README: ``slar serve`` + ``slar demo`` in a temp directory,
then Debian's Chromium (through Playwright's Python package) visits the main pages.

    .venv/bin/python docs/screenshots/capture.py      # writes docs/screenshots/*.png
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = _port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/slar.db",
            "SLAR_PUBLIC_URL": url,
            "LOG_LEVEL": "WARNING",
        }
        serve = subprocess.Popen(
            [sys.executable, "-m", "slar", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert serve.stdout is not None
            printed = ""
            for line in serve.stdout:
                printed += line
                if "serving on" in line:
                    break
            password = re.search(r"password:\s+(\S+)", printed)
            assert password, printed
            subprocess.run(
                [sys.executable, "-m", "slar", "demo"], env=env, check=True, capture_output=True
            )
            for _ in range(100):
                try:
                    if httpx.get(url + "/health/ready").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            _capture(url, "admin@slar.local", password.group(1))
        finally:
            serve.terminate()
            serve.wait(timeout=20)


def _capture(url: str, email: str, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(url + "/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/")
        shots = [("/", "dashboard"), ("/incidents", "incidents")]
        for name, listing, pattern in (
            ("incident", "/incidents", r'href="(/incidents/\d+)"'),
            ("service", "/services", r'href="(/services/\d+)"'),
            ("schedule", "/schedules", r'href="(/schedules/\d+)"'),
        ):
            page.goto(url + listing)
            found = re.findall(pattern, page.content())
            if found:
                shots.append((found[-1], name))
        shots += [("/escalation-policies", "escalation"), ("/monitors", "monitors")]
        for path, name in shots:
            page.goto(url + path)
            page.screenshot(path=str(HERE / f"{name}.png"), full_page=name != "service")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.add_cookies(context.cookies())
        small = phone.new_page()
        small.goto(url + "/incidents")
        small.screenshot(path=str(HERE / "phone-incidents.png"))
        browser.close()


if __name__ == "__main__":
    main()
