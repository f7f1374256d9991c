"""Driving the dashboard in Debian's headless Chromium through its chromedriver (selenium).

Nothing is downloaded: the browser and the driver are the system's (`make setup` installs them), given
to selenium by path so Selenium Manager has nothing to do, and Chromium starts with every background
network feature off and a fresh profile.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, should anything reach it: never go online

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1600,1000", "--lang=en-GB")


def artifacts() -> Path:
    """Where tests leave what a person may want to look at (screenshots): $WATERPATROL_TEST_ARTIFACTS or out/test-artifacts."""
    d = Path(os.environ.get("WATERPATROL_TEST_ARTIFACTS") or ROOT / "out" / "test-artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


@contextmanager
def chromium():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: `make setup` installs Debian's chromium and chromium-driver")
    profile = tempfile.mkdtemp(prefix="wp-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    log = artifacts() / "chromedriver.log"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(log)), options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_js(driver, script: str, what: str, timeout: float = 30.0, step: float = 0.2):
    """Run `script` (which returns a value) until it is truthy; AssertionError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = driver.execute_script(script)
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}); page says: "
                         f"{driver.execute_script('return document.body.innerText')[:800]!r}")


def page_state(driver) -> dict:
    """What the page itself holds (window.waterpatrol.state), as plain data."""
    return driver.execute_script(
        "const s = window.waterpatrol.state; return {drones: s.drones, tickets: s.tickets, sorties: s.sorties};")
