"""Serve the dashboard from a thread of the controller's process (uvicorn on a socket bound here)."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from missions.errors import UserError
from missions.site import Site

from . import DEFAULT_PORT, TOKEN_ENV, loopback_host
from .app import create_app
from .view import RunView, mission_db


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UserError(f"dashboard: cannot listen on {host!r} ({exc.strerror})") from None
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(addr)
        sock.listen(64)
    except OSError as exc:
        sock.close()
        hint = "; give another port, or --no-dashboard" if exc.errno in (98, 48) else ""
        raise UserError(f"dashboard: cannot listen on {host}:{port} ({exc.strerror}){hint}") from None
    sock.setblocking(False)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # the address others reach us by
                s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
                return s.getsockname()[0]
        except OSError:
            return socket.gethostname()
    return f"[{host}]" if ":" in host else host


class Dashboard:
    """A running dashboard: `url`, `stop()`. Use `start(...)`."""

    def __init__(self, run_dir: Path, site: Site, outbox: Path | None, host: str, port: int, token: str | None,
                 interval_s: float):
        import uvicorn

        if not loopback_host(host) and not token:
            raise UserError(f"dashboard: serving {host} (beyond this machine) needs a token: give --token or set "
                            f"{TOKEN_ENV}")
        self.stopping = threading.Event()
        self.app, self._db, self._view = create_app(lambda: RunView(run_dir, site, outbox), token=token,
                                                    interval_s=interval_s, stopping=self.stopping)
        try:
            self._sock = _listen(host, port)
        except BaseException:
            self._close_view()
            raise
        self.port = self._sock.getsockname()[1]
        self.host = host
        self.url = f"http://{_url_host(host)}:{self.port}/"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off", ws="none",
                                http="h11", loop="asyncio", timeout_graceful_shutdown=2,
                                proxy_headers=False, server_header=False)  # the peer is who asks: no forwarded-for
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="dashboard", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._server.started:
            self.stop()
            raise UserError(f"dashboard: the web server did not start on {host}:{self.port}")

    def _close_view(self) -> None:
        try:
            self._db.submit(self._view.close).result(5)
        finally:
            self._db.shutdown(wait=False)

    def stop(self) -> None:
        """Close every page's stream and the socket; pages keep retrying until a dashboard answers again."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
        self._close_view()

    def __enter__(self) -> "Dashboard":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(run_dir: str | Path, site: Site, *, outbox: str | Path | None = None, host: str = "127.0.0.1",
          port: int = DEFAULT_PORT, token: str | None = None, interval_s: float = 0.5) -> Dashboard:
    """See `controller.dashboard.start`."""
    run_dir = Path(run_dir)
    return Dashboard(run_dir, site, _outbox_for(run_dir, outbox), host, port, token, interval_s)


def _outbox_for(run_dir: Path, outbox) -> Path:
    """The outbox to list; it may not exist yet (the page shows its tickets once it does)."""
    from ..flight.missionlog import MissionLog

    ml = MissionLog(mission_db(run_dir))
    try:
        if outbox is not None:
            outbox = Path(outbox).resolve()
            ml.set_meta("outbox", str(outbox))  # `waterpatrol dashboard --out` finds it later
            return outbox
        recorded = ml.meta("outbox")
    finally:
        ml.close()
    return Path(recorded) if recorded else (run_dir / "tickets" / "outbox.sqlite").resolve()
