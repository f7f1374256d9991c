"""A strict reader of YAML mappings: every error names the file, the field path and the value."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..errors import ConfigError

REQUIRED = object()


def _range(lo, hi, lo_open, hi_open) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    return f"{'<' if hi_open else '<='} {hi:g}"


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """Reads one mapping; `done()` rejects every key nobody asked for."""

    def __init__(self, source: str, path: str, value: Any):
        if not isinstance(value, dict):
            raise self._error_at(source, path, f"expected a mapping, got {show(value)}")
        self.source, self.path, self.raw = source, path, value
        self.seen: set[str] = set()

    @staticmethod
    def _error_at(source: str, path: str, msg: str) -> ConfigError:
        return ConfigError(f"{source}: {path}: {msg}" if path else f"{source}: {msg}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | None, msg: str) -> ConfigError:
        return self._error_at(self.source, self.at(key) if key else self.path, msg)

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def get(self, key: str, default: Any = REQUIRED) -> Any:
        self.seen.add(key)
        if key not in self.raw or self.raw[key] is None:
            if default is REQUIRED:
                raise self.error(key, "is required")
            return default
        return self.raw[key]

    def number(self, key: str, default: Any = REQUIRED, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
        v = self.get(key, default)
        if v is default and default is not REQUIRED:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.error(key, f"{show(v)} is not a number")
        if not math.isfinite(v):
            raise self.error(key, f"{show(v)} is not a finite number")
        below = lo is not None and (v <= lo if lo_open else v < lo)
        above = hi is not None and (v >= hi if hi_open else v > hi)
        if below or above:
            raise self.error(key, f"{show(v)} must be {_range(lo, hi, lo_open, hi_open)}")
        return float(v)

    def integer(self, key: str, default: Any = REQUIRED, *, lo: int | None = None, hi: int | None = None) -> int:
        v = self.get(key, default)
        if v is default and default is not REQUIRED:
            return v
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"{show(v)} is not a whole number")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise self.error(key, f"{show(v)} must be between {lo} and {hi}")
        return v

    def string(self, key: str, default: Any = REQUIRED) -> str:
        v = self.get(key, default)
        if v is default and default is not REQUIRED:
            return v
        if not isinstance(v, str) or not v.strip():
            raise self.error(key, f"{show(v)} is not a non-empty text")
        return v.strip()

    def choice(self, key: str, options: Iterable[str], default: Any = REQUIRED) -> str:
        options = tuple(options)
        v = self.get(key, default)
        if v not in options:
            raise self.error(key, f"{show(v)} is not one of {', '.join(options)}")
        return v

    def listing(self, key: str, default: Any = REQUIRED) -> list:
        v = self.get(key, default)
        if v is default and default is not REQUIRED:
            return v
        if not isinstance(v, list):
            raise self.error(key, f"expected a list, got {show(v)}")
        return v

    def sub(self, key: str, default: Any = REQUIRED) -> "Fields | None":
        v = self.get(key, default)
        if v is default and default is not REQUIRED:
            return None
        return Fields(self.source, self.at(key), v)

    def done(self) -> None:
        unknown = [k for k in self.raw if k not in self.seen]
        if unknown:
            k = unknown[0]
            raise self.error(str(k), f"unknown key (value {show(self.raw[k])}); "
                             f"known keys here: {', '.join(sorted(self.seen))}")


def latlon(f: Fields, where_key: str | None = None) -> tuple[float, float]:
    """Read {lat, lon} from a Fields (the whole mapping is the point); detects swapped coordinates."""
    lat = f.get("lat")
    lon = f.get("lon")
    for name, v in (("lat", lat), ("lon", lon)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise f.error(name, f"{show(v)} is not a finite number")
    if abs(lat) > 90:
        hint = "; lat and lon look swapped" if abs(lon) <= 90 else ""
        raise f.error("lat", f"{lat} is outside [-90, 90]{hint}")
    if abs(lon) > 180:
        raise f.error("lon", f"{lon} is outside [-180, 180]")
    return float(lat), float(lon)
