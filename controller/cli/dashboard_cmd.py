"""waterpatrol dashboard: the live operations map of a patrol's output folder, as a local web page."""
from __future__ import annotations

import os
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("dashboard", help="serve the live operations map of a patrol (a local web page)",
                       description="Serves the map of a patrol's output folder: the site, each drone live, planned "
                                   "routes and progress, tickets with their evidence and the agencies' answers. "
                                   "Reads the mission log and the ticket outbox, so it can run beside "
                                   "`waterpatrol run` (which starts one itself) or after it. Only this machine "
                                   "may connect unless --host and a token are given.")
    add_serving_options(p, prefix="")
    p.add_argument("--out", type=Path, default=Path("out/run"), help="the patrol's output folder (default out/run)")
    p.add_argument("--site", type=Path, default=None,
                   help="site config (default: the one the run recorded in its mission log)")
    p.add_argument("--outbox", type=Path, default=None,
                   help="ticket outbox to list (default: the one recorded for this run, else OUT/tickets/outbox.sqlite)")
    p.set_defaults(run=run)


def add_serving_options(p, prefix: str) -> None:
    """--port/--host/--token, or --dashboard-port/... for `run`."""
    from ..dashboard import DEFAULT_PORT, TOKEN_ENV

    p.add_argument(f"--{prefix}port", type=int, default=DEFAULT_PORT,
                   help=f"port of the page (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument(f"--{prefix}host", default="127.0.0.1",
                   help="address to serve on (default 127.0.0.1, this machine only; any other needs a token)")
    p.add_argument(f"--{prefix}token", default=None,
                   help=f"access token, required beyond this machine (default: ${TOKEN_ENV}; the environment "
                        f"keeps it out of the process list)")


def serving(args, prefix: str = "") -> dict:
    from missions.errors import UserError

    from ..dashboard import TOKEN_ENV, loopback_host

    a = prefix.replace("-", "_")
    port = getattr(args, f"{a}port")
    if not 0 <= port <= 65535:
        raise UserError(f"--{prefix}port {port}: must be 0 to 65535")
    token = getattr(args, f"{a}token") or os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < 12:
        raise UserError(f"--{prefix}token: use at least 12 characters (e.g. `python -c 'import secrets; "
                        f"print(secrets.token_urlsafe())'`)")
    host = getattr(args, f"{a}host")
    if not loopback_host(host) and not token:
        raise UserError(f"--{prefix}host {host}: serving beyond this machine needs a token: give --{prefix}token "
                        f"or set {TOKEN_ENV}")
    return {"host": host, "port": port, "token": token}


def announce(d, token: str | None) -> None:
    import sys
    suffix = "?token=<your token>" if token else ""
    print(f"dashboard: {d.url}{suffix}", file=sys.stderr, flush=True)


def run(args) -> int:
    import threading

    from missions.errors import UserError
    from missions.site import load_site

    from ..dashboard import start
    from ..dashboard.view import mission_db
    from ..flight.missionlog import MissionLog

    db = mission_db(args.out)
    site_path = args.site
    if site_path is None:
        log = MissionLog(db)
        try:
            recorded = log.meta("site_file")
        finally:
            log.close()
        if not recorded:
            raise UserError(f"--out {args.out}: the mission log does not name its site config; give --site")
        site_path = Path(recorded)
        if not site_path.is_file():
            raise UserError(f"--out {args.out}: its site config {site_path} is gone; give --site")
    site = load_site(site_path)
    opts = serving(args)
    d = start(args.out, site, outbox=args.outbox, **opts)
    announce(d, opts["token"])
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        d.stop()
    return 0
