"""MAVProxy from PyPI as a real ground station: connect, fetch parameters, `wp load` a QGC WPL 110 file, read it back."""
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from missions.exports import format_wpl, parse_wpl
from missions.plan import MissionItem
from missions.site import load_site
from sim.testing import running_sim

SITE = load_site("missions/examples/jinji.yaml")
MAVPROXY = Path(sys.executable).with_name("mavproxy.py")


class MavProxy:
    """MAVProxy driven through its stdin, one command at a time, each waited for by its printed reply."""

    def __init__(self, url: str, state: Path):
        env = dict(os.environ, HOME=str(state))
        self.proc = subprocess.Popen(
            [sys.executable, str(MAVPROXY), f"--master={url}", f"--state-basedir={state}", "--default-modules=param,wp",
             "--streamrate=1"], cwd=state, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"MAVProxy never printed {text!r}; last lines: {self.seen[-15:]}")

    def cmd(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.kill()
            self.proc.wait()


@pytest.mark.timeout(120)
def test_mavproxy_lists_parameters_and_loads_and_reads_back_a_wpl_file(tmp_path):
    lat, lon = SITE.info.home
    items = [MissionItem(0, 16, 0, lat=lat, lon=lon), MissionItem(1, 22, 3, alt=20.0),
             MissionItem(2, 178, 3, param1=1, param2=8, param3=-1),
             MissionItem(3, 16, 3, lat=round(lat + 0.001, 7), lon=lon, alt=30.0),
             MissionItem(4, 18, 3, param1=2, param3=50, lat=round(lat + 0.002, 7), lon=round(lon + 0.001, 7), alt=30.0),
             MissionItem(5, 20, 3)]
    wpl = tmp_path / "patrol.txt"
    wpl.write_text(format_wpl(items))
    with running_sim(SITE, speedup=5, boot_s=5.0) as sim:
        mp = MavProxy(sim.url(), tmp_path)
        try:
            mp.expect("online system 1")
            mp.cmd("param fetch")
            got = mp.expect("Received")
            count = int(got.split()[1])
            assert count == len(sim.runner.copter(1).params)
            mp.cmd("param show WPNAV_SPEED")
            assert mp.expect("WPNAV_SPEED").split()[-1] == "1000.0"
            mp.cmd(f"wp load {wpl}")
            mp.expect("Flight plan received")
            mp.cmd(f"wp save {tmp_path / 'back.txt'}")
            mp.expect("Saved 6 waypoints")
        finally:
            mp.close()
    back = parse_wpl((tmp_path / "back.txt").read_text())
    assert len(back) == len(items)
    assert back[0].lat == pytest.approx(lat, abs=1e-4)                  # item 0 is the vehicle's home
    for sent, got in zip(items[1:], back[1:]):
        assert got.command == sent.command
        assert (got.lat, got.lon) == (pytest.approx(sent.lat, abs=1e-7), pytest.approx(sent.lon, abs=1e-7))
        assert got.alt == pytest.approx(sent.alt, abs=0.01)
    assert (back[4].param1, back[4].param3) == (2.0, 50.0)
    assert back[3].frame == 3
