"""The live status of a patrol: a table on a terminal, a line every few seconds otherwise."""
from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.live import Live
from rich.table import Table


def _row(s) -> list[str]:
    p = s.progress
    prog = eta = batt = "-"
    if p is not None:
        prog = f"item {p.current}/{p.total - 1}, {p.flown_m / 1000:.1f} km flown, {p.left_m / 1000:.1f} km left"
        eta = f"{p.eta_s / 60:.1f} min"
        if p.battery_pct is not None:
            batt = f"{p.battery_pct:.0f} %" + (f" -> {p.landing_pct:.0f} % at landing" if p.landing_pct is not None else "")
    return [str(s.drone), s.state, str(s.plan_index or "-"), s.mode, "ok" if s.link_ok else "LOST",
            f"{s.alt_m:.0f} m" if s.alt_m is not None else "-", prog, eta, batt, str(s.frames), s.last_event[-60:]]


class LiveStatus:
    def __init__(self, sorties: int, extra=None, enabled: bool = True):
        """`extra()`: one more line under the table (detections, tickets)."""
        self.console = Console(stderr=True)
        self.tty = self.console.is_terminal and enabled
        self.enabled = enabled
        self.extra = extra
        self.live = None
        self._last_print = 0.0
        self._last_events: dict[int, str] = {}

    def __enter__(self):
        if self.tty:
            self.live = Live(console=self.console, refresh_per_second=4, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)

    def update(self, statuses) -> None:
        if self.live is not None:
            t = Table(title="waterpatrol", expand=True)
            for h in ("drone", "state", "sortie", "mode", "link", "alt", "progress", "ETA", "battery", "frames",
                      "last event"):
                t.add_column(h, overflow="fold")
            for s in statuses:
                t.add_row(*_row(s))
            if self.extra:
                t.caption = self.extra()
            self.live.update(t)
            return
        if not self.enabled:
            return
        now = time.monotonic()
        for s in statuses:  # without a terminal: every event once, and a heartbeat line every 10 s
            if s.last_event and self._last_events.get(s.drone) != s.last_event:
                self._last_events[s.drone] = s.last_event
                print(f"drone {s.drone}: {s.last_event}", file=sys.stderr, flush=True)
        if now - self._last_print > 10:
            self._last_print = now
            for s in statuses:
                print("drone " + " | ".join(_row(s)[:10]), file=sys.stderr, flush=True)
            if self.extra:
                print(self.extra(), file=sys.stderr, flush=True)
