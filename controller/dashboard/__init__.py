"""The live operations map: a local web page over the patrol's mission log and ticket outbox.

    from controller import dashboard
    d = dashboard.start(run_dir, site, outbox=path, port=8080)   # host 127.0.0.1; a token to serve beyond it
    print(d.url); ...; d.stop()

It reads only the durable stores (the mission log, with the live row the controller writes about
each drone twice a second, and the outbox), so it runs inside `waterpatrol run` or on its own
(`waterpatrol dashboard --out RUN_DIR`), and a page left open recovers when either restarts. The
only thing it can ask of a vehicle is one drone's abort (RTL), through the mission log's commands.
docs/dashboard.md has the details.
"""
from __future__ import annotations

DEFAULT_PORT = 8080
TOKEN_ENV = "WATERPATROL_DASHBOARD_TOKEN"

__all__ = ["start", "loopback_host", "DEFAULT_PORT", "TOKEN_ENV"]


def loopback_host(host: str) -> bool:
    """Serving on this address reaches this machine only."""
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start(run_dir, site, *, outbox=None, host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None,
          interval_s: float = 0.5):
    """Serve the live page for the patrol whose mission log is `run_dir/mission.db`; returns a handle
    with `.url`, `.port` and `.stop()` (also a context manager).

    `outbox`: the ticket outbox to list (default: the one recorded by an earlier dashboard of this run,
    else `run_dir/tickets/outbox.sqlite`; it may appear later). `port` 0 picks a free one. Serving
    beyond loopback needs `token`. Raises missions.errors.UserError (one line) for a folder without a
    run, a busy port, or a non-local host without a token."""
    from .server import start as _start  # starlette and uvicorn load only when a dashboard starts
    return _start(run_dir, site, outbox=outbox, host=host, port=port, token=token, interval_s=interval_s)
