"""JSON in and out for ticket documents and protocol headers, with orjson (a few µs, not tens).

The output is what `json.dumps(obj, ensure_ascii=False, separators=(",", ":"))` would write, as
UTF-8 bytes (floats may be spelled differently, with the same value). Parsing is strict: NaN,
Infinity, invalid UTF-8 and nesting deeper than 1024 are errors (`ValueError`), never values.
"""
from __future__ import annotations

import orjson

JSONDecodeError = orjson.JSONDecodeError  # a json.JSONDecodeError, so a ValueError
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY     # numpy scalars (a position from a numpy pipeline) as plain numbers


def dumps(obj) -> bytes:
    return orjson.dumps(obj, option=_OPTIONS)


def dumps_text(obj) -> str:
    return orjson.dumps(obj, option=_OPTIONS).decode("utf-8")


def loads(data: bytes | bytearray | memoryview | str):
    return orjson.loads(data)
