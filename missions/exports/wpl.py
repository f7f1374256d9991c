"""QGC WPL 110: the text mission format MAVProxy (`wp load`) and Mission Planner read."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from ..plan import MissionItem

HEADER = "QGC WPL 110"


def _num(v: float, digits: int) -> str:
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def format_wpl(items: list[MissionItem]) -> str:
    lines = [HEADER]
    for it in items:
        lines.append("\t".join([
            str(it.seq), "1" if it.seq == 0 else "0", str(it.frame), str(it.command),
            _num(it.param1, 6), _num(it.param2, 6), _num(it.param3, 6), _num(it.param4, 6),
            _num(it.lat, 8), _num(it.lon, 8), _num(it.alt, 6), str(it.autocontinue)]))
    return "\n".join(lines) + "\n"


def parse_wpl(text: str, source: str = "<wpl>") -> list[MissionItem]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("QGC WPL"):
        raise UserError(f"{source}: line 1: expected a 'QGC WPL 110' header, got {lines[0][:40] if lines else 'an empty file'!r}")
    items = []
    for n, ln in enumerate(lines[1:], start=2):
        f = ln.split("\t") if "\t" in ln else ln.split()
        if len(f) != 12:
            raise UserError(f"{source}: line {n}: expected 12 fields, got {len(f)}")
        try:
            items.append(MissionItem(seq=int(f[0]), frame=int(f[2]), command=int(f[3]),
                                     param1=float(f[4]), param2=float(f[5]), param3=float(f[6]), param4=float(f[7]),
                                     lat=float(f[8]), lon=float(f[9]), alt=float(f[10]), autocontinue=int(float(f[11]))))
        except ValueError as exc:
            raise UserError(f"{source}: line {n}: {exc}") from None
    return items


def write_wpl(items: list[MissionItem], path: Path) -> None:
    path.write_text(format_wpl(items), encoding="utf-8")


def read_wpl(path: Path) -> list[MissionItem]:
    return parse_wpl(Path(path).read_text(encoding="utf-8"), str(path))
