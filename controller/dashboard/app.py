"""The dashboard's web side: a Starlette app over a `RunView`.

Routes (all JSON unless said):
  GET  /                          the page (static/index.html); its scripts and the bundled map library under /static
  GET  /api/map                   the site's layers and the optional offline background
  GET  /api/stream                server-sent events: `state` messages, the whole state first, then what changed
  GET  /api/state                 the whole state once (for scripts and tests)
  GET  /api/tickets/{id}          one ticket: document, history, deliveries
  GET  /api/evidence/{sha}.jpg    an evidence JPEG by its sha256
  POST /api/drones/{n}/abort      ask the controller to bring drone n home ({"confirm": true}, JSON only)
  GET  /map/tiles/{z}/{x}/{y}, /map/image   the site's own offline tiles or background picture

Access: without a token only this machine may ask (loopback client, loopback Host header: a web page
elsewhere cannot reach it by DNS rebinding). With a token every request needs it: `Authorization:
Bearer`, or `?token=` once, which sets an HttpOnly cookie and redirects to the same page without it.
"""
from __future__ import annotations

import asyncio
import hmac
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import loopback_host
from .view import RunView

STATIC = Path(__file__).parent / "static"
COOKIE = "waterpatrol_dashboard"
SHA = re.compile(r"^[0-9a-f]{64}$")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _dumps(data) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)  # drone and sortie numbers key some maps


def _json(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(_dumps(data), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store", **(headers or {})})


def _loopback(host: str | None) -> bool:
    return bool(host) and loopback_host(host.split("%")[0])


def _host_name(header: str) -> str:
    """The name in a Host header, without its port ("[::1]:8080" -> "::1")."""
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """ASGI middleware: who may ask (see the module's docstring), and the security headers on every answer."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        req = Request(scope)
        refusal = self._refusal(req)
        if refusal is not None:
            return await refusal(scope, receive, send)
        if self.token and "token" in req.query_params and req.method == "GET":
            rest = {k: v for k, v in parse_qs(scope.get("query_string", b"").decode()).items() if k != "token"}
            target = req.url.path + (("?" + urlencode(rest, doseq=True)) if rest else "")
            resp = RedirectResponse(target, status_code=303)
            resp.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return await resp(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.lower().encode() not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, req: Request) -> Response | None:
        if self.token:
            given = req.headers.get("authorization", "")
            given = given[7:] if given.lower().startswith("bearer ") else ""
            given = given or req.cookies.get(COOKIE, "") or req.query_params.get("token", "")
            if hmac.compare_digest(given.encode(), self.token.encode()):
                return None
            return Response("dashboard: a token is required (open the page as http://HOST:PORT/?token=...)\n",
                            status_code=401, media_type="text/plain", headers={"WWW-Authenticate": "Bearer"})
        client = req.client.host if req.client else None
        if not _loopback(client):
            return Response("dashboard: only this machine may connect (start it with a token to serve others)\n",
                            status_code=403, media_type="text/plain")
        if not _loopback(_host_name(req.headers.get("host", ""))):
            return Response("dashboard: unexpected Host header\n", status_code=403, media_type="text/plain")
        return None


class Feed:
    """One open page: what it was last sent, so each message carries only what changed."""

    def __init__(self, hub: "Hub"):
        self.hub = hub
        self.track_cursor = 0
        self.sent: dict[str, bytes] = {}
        self.routes_sent: set[int] = set()
        self.first = True

    def update(self) -> dict:
        """Runs on the database thread. The first message is the whole state (`full`: the page starts over)."""
        msg: dict = {"t": time.time(), "full": self.first}
        sections = self.hub.sections()
        for name, (obj, raw) in sections.items():
            if self.sent.get(name) != raw:
                self.sent[name] = raw
                msg[name] = obj
        ids = {s["id"] for s in sections["sorties"][0]} - self.routes_sent
        if ids:
            msg["routes"] = self.hub.view.routes(ids)
            self.routes_sent |= ids
        self.track_cursor, track = self.hub.view.track_after(self.track_cursor)
        if track or self.first:
            msg["track"] = track
        self.first = False
        return msg


class Hub:
    """The state every page shares, read at most once per `min_age_s` however many pages are open."""

    def __init__(self, view: RunView, min_age_s: float):
        self.view = view
        self.min_age_s = min_age_s
        self._at = -1e9
        self._sections: dict[str, tuple] = {}

    def sections(self) -> dict[str, tuple]:
        now = time.monotonic()
        if now - self._at >= self.min_age_s:
            fresh = {"drones": self.view.drones(), "sorties": self.view.sorties(), "events": self.view.events(),
                     "tickets": self.view.tickets()}
            self._sections = {k: (v, _dumps(v)) for k, v in fresh.items()}
            self._at = now
        return self._sections


def create_app(view_factory, *, token: str | None = None, interval_s: float = 0.5,
               stopping: threading.Event | None = None) -> tuple[Guard, ThreadPoolExecutor, RunView]:
    """The ASGI app, the database thread and the view. `view_factory()` builds the RunView on that thread
    (its errors reach the caller); close the view there too, then shut the thread down."""
    db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-db")
    try:
        view: RunView = db.submit(view_factory).result()
    except BaseException:
        db.shutdown(wait=False)
        raise
    hub = Hub(view, min_age_s=interval_s / 2)
    stopping = stopping or threading.Event()

    async def on_db(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(db, fn, *args)

    async def index(request: Request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def map_layers(request: Request):
        return _json(await on_db(view.map_layers))

    async def state(request: Request):
        return _json(await on_db(Feed(hub).update))

    async def stream(request: Request):
        feed = Feed(hub)

        async def messages():
            yield b"retry: 1000\n\n"
            while not stopping.is_set():
                msg = await on_db(feed.update)
                yield b"event: state\ndata: " + _dumps(msg) + b"\n\n"
                deadline = time.monotonic() + interval_s
                while time.monotonic() < deadline and not stopping.is_set():
                    await asyncio.sleep(min(0.1, interval_s))
        return StreamingResponse(messages(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def ticket(request: Request):
        doc = await on_db(view.ticket, request.path_params["ticket_id"])
        return _json(doc) if doc is not None else _json({"error": "no such ticket"}, 404)

    async def evidence(request: Request):
        sha = request.path_params["sha"]
        data = await on_db(view.evidence, sha) if SHA.match(sha) else None
        if data is None:
            return _json({"error": "no such evidence"}, 404)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400, immutable"})

    async def abort(request: Request):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _json({"error": "send JSON: {\"confirm\": true}"}, 415)
        origin = request.headers.get("origin")
        if origin and origin.split("://", 1)[-1] != request.headers.get("host"):
            return _json({"error": "cross-site request refused"}, 403)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict) or body.get("confirm") is not True:
            return _json({"error": "an abort must be confirmed: {\"confirm\": true}"}, 400)
        drone = int(request.path_params["drone"])
        why = await on_db(view.abort_target, drone)
        if why is not None:
            return _json({"error": why}, 409)
        await on_db(view.request_abort, drone)
        return _json({"ok": True, "message": f"drone {drone}: abort requested, returning to launch"}, 202)

    async def tile(request: Request):
        bg = view.background
        if not bg or bg["kind"] != "tiles":
            return _json({"error": "no offline tiles for this site"}, 404)
        p = request.path_params
        path = Path(bg["pattern"].format(z=p["z"], x=p["x"], y=p["y"]))
        return FileResponse(path) if path.is_file() else Response(status_code=404)

    async def image(request: Request):
        bg = view.background
        if not bg or bg["kind"] != "image":
            return _json({"error": "no background image for this site"}, 404)
        return FileResponse(bg["path"])

    routes = [
        Route("/", index),
        Route("/api/map", map_layers),
        Route("/api/state", state),
        Route("/api/stream", stream),
        Route("/api/tickets/{ticket_id:str}", ticket),
        Route("/api/evidence/{sha:str}.jpg", evidence),
        Route("/api/drones/{drone:int}/abort", abort, methods=["POST"]),
        Route("/map/tiles/{z:int}/{x:int}/{y:int}", tile),
        Route("/map/image", image),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Guard(Starlette(routes=routes), token), db, view
