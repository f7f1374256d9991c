"""The live operations map in a real browser (headless Chromium) against a flying SITL patrol.

One flight carries the operator's whole story: the drone's marker moves, the planted net is confirmed
by the real chain (SITL camera -> frame pipeline -> ONNX detector -> confirmation -> ticket server ->
outbox) and its ticket appears with its evidence thumbnail, a click shows the crop and history, and the
abort button, once confirmed, brings the drone home. Another test kills the controller under an open
page and starts it again: the page recovers by itself.
"""
from __future__ import annotations

import dataclasses
import math
import signal
import subprocess
import sys
import threading
import time

import pytest
from selenium.webdriver.common.by import By

from controller import dashboard
from controller.alerting import AlertHook
from controller.flight.drone import Settings
from controller.flight.missionlog import MissionLog
from controller.flight.patrol import Patrol
from controller.tickets import TicketServer
from controller.tickets.keys import SERVER, new_keypair
from controller.tickets.server import ServerConfig
from missions.planner import plan_patrol
from missions.site import load_site

from .browser_support import artifacts, chromium, page_state, wait_js
from .camera_support import free_port
from .controller_support import POND, ROOT, pond, sim_for
from .tickets_support import Partner, identity

NETWATCH = ROOT / "tests" / "data" / "netwatch.yaml"
WORLD = ROOT / "tests" / "data" / "pond.world.yaml"
CLI = [sys.executable, "-m", "controller.cli"]
MARKER = "document.querySelector('.drone-marker[data-drone=\"1\"]')"


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def _metres(a, b) -> float:
    dy = (a[0] - b[0]) * 111_195.0
    dx = (a[1] - b[1]) * 111_195.0 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def marker_rect(driver):
    return driver.execute_script(f"const m = {MARKER}; if (!m) return null; const r = m.getBoundingClientRect(); "
                                 "return [r.x, r.y];")


def wait_marker_moves(driver, timeout: float = 60.0) -> None:
    first = wait_js(driver, f"const m = {MARKER}; if (!m) return null; const r = m.getBoundingClientRect(); "
                            "return [r.x, r.y];", "the drone's marker on the map", timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = marker_rect(driver)
        if now and math.hypot(now[0] - first[0], now[1] - first[1]) > 5:
            return
        time.sleep(0.2)
    raise AssertionError(f"the drone's marker stayed at {first} for {timeout:.0f} s")


@pytest.mark.timeout(240)
def test_operator_sees_the_net_confirmed_and_brings_the_drone_home(tmp_path, browser):
    site = load_site(NETWATCH)
    site = dataclasses.replace(site, routing=dataclasses.replace(site.routing, quiet_hours=None))  # any hour
    mav, frames = free_port(), free_port()
    sim = subprocess.Popen([*CLI, "sim", str(NETWATCH), "--speedup", "10", "--boot-s", "20", "--port", str(mav),
                            "--no-udp", "--quiet", "--world", str(WORLD), "--frames", f"tcp://127.0.0.1:{frames}",
                            "--fps", "0.3", "--camera-workers", "1"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stack = []
    try:
        for line in sim.stdout:
            if line.startswith("running"):
                break
        else:
            raise AssertionError("the simulator did not start")
        threading.Thread(target=sim.stdout.read, daemon=True).start()
        keys = tmp_path / "keys"
        for name in (SERVER, *(a.name for a in site.agencies)):
            new_keypair(name, keys)
        outbox = tmp_path / "tickets" / "outbox.sqlite"
        server = TicketServer.for_site(site, outbox, keys, config=ServerConfig(bind="tcp://127.0.0.1:0"))
        endpoint = server.start()
        stack.append(server.stop)
        partner = Partner(endpoint, identity(keys, "fisheries"), tmp_path / "feed-fisheries").__enter__()
        stack.append(partner.stop)

        from vision.pipeline import FramePipeline as VisionPipeline
        plan = plan_patrol(site, patterns=["hotspots"])
        patrol = Patrol(site, plan, [f"tcp:127.0.0.1:{mav}"], tmp_path / "run", Settings(),
                        frames=f"tcp://127.0.0.1:{frames}")
        hook = AlertHook(VisionPipeline(water_level_m=site.info.water_level_m), server.submit,
                         mission="test-dashboard", drone_names={1: "drone 1"})
        patrol.frame_hooks.append(hook)
        board = dashboard.start(tmp_path / "run", site, outbox=outbox, port=0)
        stack.append(board.stop)
        flight = threading.Thread(target=patrol.run, daemon=True)
        flight.start()
        stack.append(lambda: (patrol.request_abort(), flight.join(60)))

        browser.get(board.url)
        wait_js(browser, "return document.body.dataset.conn === 'live'", "the page to go live")
        assert "Net watch" in browser.find_element(By.ID, "site-name").text
        wait_marker_moves(browser)

        # the net, confirmed by the detector over several frames, arrives as a ticket with its evidence
        try:
            wait_js(browser, "const i = document.querySelector('#tickets li.ticket img.thumb'); "
                             "return i && i.complete && i.naturalWidth > 0;", "a ticket with its thumbnail", timeout=90)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nvision: {hook.stats}; frames: {patrol.pipeline and patrol.pipeline.stats}")
        first = browser.find_element(By.CSS_SELECTOR, "#tickets li.ticket")
        assert "Fishing net" in first.text and "fisheries" in first.text, first.text
        wait_js(browser, "return [...document.querySelectorAll('.ag-acked')].some(e => e.textContent.includes('fisheries'))",
                "the fisheries' acknowledgement", timeout=30)
        browser.save_screenshot(str(artifacts() / "dashboard.png"))

        first.click()
        wait_js(browser, "const i = document.getElementById('detail-crop'); "
                         "return !document.getElementById('detail').hidden && i.complete && i.naturalWidth > 0;",
                "the ticket's crop")
        assert "created" in browser.find_element(By.ID, "detail-history").text
        browser.save_screenshot(str(artifacts() / "dashboard-ticket.png"))
        browser.find_element(By.ID, "detail-close").click()

        # abort: nothing happens until the operator confirms
        browser.find_element(By.CSS_SELECTOR, "button.abort[data-drone='1']").click()
        assert browser.find_element(By.ID, "confirm").is_displayed()
        browser.find_element(By.ID, "confirm-no").click()
        time.sleep(1.0)
        assert not page_state(browser)["drones"]["1"]["aborting"]
        browser.find_element(By.CSS_SELECTOR, "button.abort[data-drone='1']").click()
        browser.find_element(By.ID, "confirm-yes").click()
        wait_js(browser, "return document.getElementById('toast').textContent", "the abort's answer")
        assert "abort requested" in browser.find_element(By.ID, "toast").text
        wait_js(browser, "const d = window.waterpatrol.state.drones[1]; return d && d.state === 'aborted' && !d.armed",
                "the drone to land after the abort", timeout=90)
        flight.join(30)
        assert not flight.is_alive()
    finally:
        for stop in reversed(stack):
            stop()
        sim.terminate()
        sim.wait(20)
    log = MissionLog(tmp_path / "run" / "mission.db")
    assert [r.status for r in log.sorties()] == ["aborted"]
    assert any(e[1] == 1 and e[3] == "abort" and "dashboard" in e[4] for e in log.events())
    (_, doc), = log.live().values()
    assert not doc["armed"] and _metres((doc["lat"], doc["lon"]), site.info.home) < 8, doc
    assert hook.stats.tickets >= 1


def _start_run(out, port: int, url: str, lines: list) -> tuple[subprocess.Popen, str]:
    """`waterpatrol run` with its dashboard; what it prints goes to `lines` (for the failure messages)."""
    proc = subprocess.Popen([*CLI, "run", str(POND), "--patterns", "coverage", "--connect", url, "--out", str(out),
                             "--connect-timeout", "20", "--dashboard-port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("dashboard: "):
            threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
            return proc, line.split()[1]
    raise AssertionError(f"`waterpatrol run` printed no dashboard address (exit {proc.wait()}): {''.join(lines)}")


@pytest.mark.timeout(180)
def test_the_page_recovers_when_the_controller_restarts(tmp_path, browser):
    port, lines = free_port(), []
    with sim_for(pond()) as sim:
        proc, url = _start_run(tmp_path, port, sim.url(), lines)
        try:
            assert url == f"http://127.0.0.1:{port}/"
            browser.get(url)
            wait_js(browser, "return document.body.dataset.conn === 'live'", "the page to go live")
            wait_marker_moves(browser)
            proc.send_signal(signal.SIGKILL)  # a crashed controller: its dashboard goes with it
            proc.wait(10)
            wait_js(browser, "return document.body.dataset.conn === 'reconnecting'", "the page to notice", timeout=10)
            proc, _ = _start_run(tmp_path, port, sim.url(), lines)  # re-attaches to the drone in flight
            wait_js(browser, "const d = window.waterpatrol.state.drones[1]; "
                             "return document.body.dataset.conn === 'live' && d && !d.stale", "the page to recover",
                    timeout=30)
            wait_marker_moves(browser)
            assert browser.find_element(By.ID, "banner").is_displayed() is False
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n`waterpatrol run` said:\n{''.join(lines[-30:])}") from None
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
