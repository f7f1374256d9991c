"""The dashboard over HTTP: who may connect, what an abort needs, one drone aborted while another flies
on, a site's own background, the bundled map library, and one-line errors for bad input."""
from __future__ import annotations

import http.client
import json
import shutil
import socket
import time
from pathlib import Path

import psutil
import pytest

from controller import dashboard
from controller.cli import main
from controller.dashboard.view import RunView
from controller.flight.missionlog import MissionLog
from missions.errors import UserError
from missions.site import load_site

from .controller_support import ROOT, Flight, pond, sim_for

NETWATCH = ROOT / "tests" / "data" / "netwatch.yaml"
TOKEN = "a-long-enough-test-token"


def get(port: int, path: str, *, host: str = "127.0.0.1", source: str | None = None, headers=None,
        method: str = "GET", body: bytes | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def post_abort(port: int, drone: int, body: bytes = b'{"confirm": true}', ctype: str = "application/json",
               **headers) -> tuple[int, dict]:
    status, _, data = get(port, f"/api/drones/{drone}/abort", method="POST", body=body,
                          headers={"Content-Type": ctype, **headers})
    return status, json.loads(data)


def a_run(tmp_path: Path, live: dict | None = None) -> Path:
    """A run folder as `waterpatrol run` leaves it: a mission log (with live rows if given)."""
    run = tmp_path / "run"
    log = MissionLog(run / "mission.db")
    log.set_meta("site_file", str(NETWATCH))
    if live:
        log.set_live(live)
    log.close()
    return run


def other_address() -> str | None:
    """An address of this machine that is not loopback (the far end of a request from 'another host')."""
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return a.address
    return None


def test_beyond_this_machine_a_request_without_the_token_is_refused(tmp_path):
    with pytest.raises(UserError, match="needs a token"):
        dashboard.start(a_run(tmp_path), load_site(NETWATCH), host="0.0.0.0", port=0)
    addr = other_address()
    if addr is None:
        pytest.skip("this machine has no address but loopback to ask from")
    with dashboard.start(a_run(tmp_path), load_site(NETWATCH), host="0.0.0.0", port=0, token=TOKEN) as d:
        for path in ("/", "/api/map", "/api/state", "/static/app.js"):
            status, _, body = get(d.port, path, host=addr, source=addr)
            assert status == 401 and b"token is required" in body, (path, status)
        assert get(d.port, "/api/map", host=addr, source=addr, headers={"Authorization": "Bearer wrong"})[0] == 401
        status, _, body = get(d.port, "/api/map", host=addr, source=addr, headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and json.loads(body)["site"] == "Net watch"
        # the page's link carries the token once: it becomes an HttpOnly cookie and leaves the address bar
        status, headers, _ = get(d.port, f"/?token={TOKEN}", host=addr, source=addr)
        assert status == 303 and headers["location"] == "/"
        cookie = headers["set-cookie"].split(";")[0]
        assert "httponly" in headers["set-cookie"].lower() and "samesite=strict" in headers["set-cookie"].lower()
        status, headers, body = get(d.port, "/", host=addr, source=addr, headers={"Cookie": cookie})
        assert status == 200 and b"leaflet.js" in body and "default-src 'self'" in headers["content-security-policy"]


def test_without_a_token_only_this_machine_may_ask(tmp_path):
    with dashboard.start(a_run(tmp_path), load_site(NETWATCH), port=0) as d:
        assert d.url == f"http://127.0.0.1:{d.port}/"
        assert get(d.port, "/")[0] == 200
        status, _, body = get(d.port, "/", headers={"Host": f"evil.example:{d.port}"})  # DNS rebinding
        assert status == 403 and b"Host" in body
        assert get(d.port, "/static/vendor/leaflet/leaflet.js")[0] == 200
        assert get(d.port, "/static/../view.py")[0] == 404
        assert get(d.port, "/api/evidence/" + "0" * 64 + ".jpg")[0] == 404


def test_an_abort_must_be_confirmed_json_from_this_page_for_a_drone_the_controller_flies(tmp_path):
    run = a_run(tmp_path, {1: {"drone": 1, "state": "flying", "armed": True, "aborting": False},
                           2: {"drone": 2, "state": "done", "armed": False, "aborting": False}})
    with dashboard.start(run, load_site(NETWATCH), port=0) as d:
        assert post_abort(d.port, 1, b"confirm=true", "application/x-www-form-urlencoded")[0] == 415  # a plain form
        assert post_abort(d.port, 1, b"{}")[0] == 400
        assert post_abort(d.port, 1, b"not json")[0] == 400
        assert post_abort(d.port, 1, Origin="http://evil.example")[0] == 403
        status, body = post_abort(d.port, 7)
        assert status == 409 and "no drone 7" in body["error"]
        status, body = post_abort(d.port, 2)
        assert status == 409 and "finished" in body["error"]
        assert get(d.port, "/api/drones/1/abort")[0] == 405
        status, body = post_abort(d.port, 1, Origin=f"http://127.0.0.1:{d.port}")
        assert status == 202 and "abort requested" in body["message"]
    assert MissionLog(run / "mission.db").take_requests() == ["abort:1"]
    view = RunView(run, load_site(NETWATCH))
    assert "not running" in view.abort_target(1, now=time.time() + 60)  # nothing would act on it
    view.close()


@pytest.mark.timeout(240)
def test_one_drone_aborted_from_the_dashboard_comes_home_while_the_other_flies_on(tmp_path):
    site = pond()
    with sim_for(site, vehicles=2) as sim:
        flight = Flight(site, sim, tmp_path, drones=2, patterns=["coverage"])
        with dashboard.start(tmp_path, site, port=0) as d:
            flight.start()
            flight.wait_for(lambda st: len(st) == 2 and all(s.mode == "AUTO" and (s.progress.current or 0) >= 4
                                                            for s in st if s.progress), "both drones under way")
            time.sleep(1.0)  # a live row that says so
            status, body = post_abort(d.port, 2)
            assert status == 202, body
            outcome = flight.join()
            state = json.loads(get(d.port, "/api/state")[2])
        two = sim.runner.copter(2)
        assert not two.armed and abs(two.est()[0] - two.home_n) < 5 and abs(two.est()[1] - two.home_e) < 5
    assert not outcome.completed
    rows = MissionLog(tmp_path / "mission.db").sorties()
    assert {r.drone: r.status for r in rows} == {1: "completed", 2: "aborted"}
    drones = {x["drone"]: x for x in state["drones"]}
    assert drones[1]["state"] == "done" and drones[2]["state"] == "aborted" and drones[2]["aborting"]
    assert {s["drone"]: s["status"] for s in state["sorties"]} == {1: "completed", 2: "aborted"}
    assert state["full"] and set(state["routes"]) == {str(r.id) for r in rows}  # JSON keys: strings
    assert len(state["track"]["1"]) > 10 and len(state["track"]["2"]) > 5


def test_a_sites_own_background_picture_is_served(tmp_path):
    from PIL import Image

    site_file = tmp_path / "lake.yaml"
    shutil.copy(NETWATCH, site_file)
    Image.new("RGB", (64, 48), (20, 60, 90)).save(tmp_path / "ortho.png")
    (tmp_path / "lake.map.json").write_text(json.dumps({"image": "ortho.png", "attribution": "survey 2026",
                                                        "bounds": {"south": 31.312, "west": 120.678,
                                                                   "north": 31.317, "east": 120.685}}))
    with dashboard.start(a_run(tmp_path), load_site(site_file), port=0) as d:
        layers = json.loads(get(d.port, "/api/map")[2])
        assert layers["background"] == {"kind": "image", "bounds": [[31.312, 120.678], [31.317, 120.685]],
                                         "attribution": "survey 2026"}
        status, _, data = get(d.port, "/map/image")
        assert status == 200 and data == (tmp_path / "ortho.png").read_bytes()
        assert get(d.port, "/map/tiles/1/2/3")[0] == 404
        kinds = {f["properties"]["kind"] for f in layers["layers"]["features"]}
        assert kinds == {"area", "hotspot", "no_fly", "home"}
    (tmp_path / "lake.map.json").write_text('{"image": "missing.png", "bounds": {}}')
    with pytest.raises(UserError, match=r"lake\.map\.json: not a usable map background"):
        dashboard.start(a_run(tmp_path), load_site(site_file), port=0)


def test_bad_input_is_a_one_line_error(tmp_path, capsys):
    run = a_run(tmp_path)
    MissionLog(tmp_path / "anonymous" / "mission.db").close()  # a log that does not name its site
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        cases = [
            (["--out", str(tmp_path / "nothing")], "no patrol there (no mission.db"),
            (["--out", str(run), "--site", str(tmp_path / "nope.yaml")], "nope.yaml"),
            (["--out", str(tmp_path / "anonymous")], "does not name its site config; give --site"),
            (["--out", str(run), "--host", "0.0.0.0"], "needs a token"),
            (["--out", str(run), "--token", "short"], "at least 12 characters"),
            (["--out", str(run), "--port", "70000"], "must be 0 to 65535"),
            (["--out", str(run), "--port", str(port)], f"cannot listen on 127.0.0.1:{port}"),
        ]
        for args, words in cases:
            assert main(["dashboard", *args]) == 2, args
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and words in err and err.startswith("waterpatrol dashboard: error:"), err


def test_the_bundled_map_library_is_the_locked_version():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/leaflet"]["version"]
    vendor = ROOT / "controller" / "dashboard" / "static" / "vendor" / "leaflet"
    assert (vendor / "VERSION").read_text().strip() == version
    assert f"Leaflet {version}" in (vendor / "leaflet.js").read_text()[:300]
    assert (vendor / "LICENSE").is_file() and (vendor / "leaflet.css").is_file()
