"""Water outlines from GeoJSON ([lon, lat]) or KML ("lon,lat[,alt]") files, as `PolygonLL`s."""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import ConfigError
from .schema import LatLon, PolygonLL, Ring


def _point(raw, where: str) -> LatLon:
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        raise ConfigError(f"{where}: expected a [lon, lat] position, got {raw!r}")
    lon, lat = raw[0], raw[1]
    for name, v in (("lon", lon), ("lat", lat)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"{where}: {name} {v!r} is not a finite number")
    if abs(lat) > 90:
        hint = " (GeoJSON positions are [lon, lat]; this one looks like [lat, lon])" if abs(lon) <= 90 else ""
        raise ConfigError(f"{where}: latitude {lat} is outside [-90, 90]{hint}")
    if abs(lon) > 180:
        raise ConfigError(f"{where}: longitude {lon} is outside [-180, 180]")
    return float(lat), float(lon)


def _ring(raw, where: str) -> Ring:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: expected a list of positions, got {type(raw).__name__}")
    return tuple(_point(p, f"{where}[{i}]") for i, p in enumerate(raw))


def _polygon(coords, where: str) -> PolygonLL:
    if not isinstance(coords, list) or not coords:
        raise ConfigError(f"{where}: a Polygon needs at least its outer ring, got {coords!r}")
    rings = [_ring(r, f"{where}.coordinates[{i}]") for i, r in enumerate(coords)]
    return PolygonLL(rings[0], tuple(rings[1:]))


def _geometry(geom, where: str) -> list[tuple[PolygonLL, str]]:
    if not isinstance(geom, dict):
        raise ConfigError(f"{where}: expected a GeoJSON object, got {type(geom).__name__}")
    kind = geom.get("type")
    if kind == "FeatureCollection":
        out = []
        for i, f in enumerate(geom.get("features") or []):
            out += _geometry(f, f"{where}.features[{i}]")
        return out
    if kind == "Feature":
        return _geometry(geom.get("geometry"), f"{where}.geometry")
    if kind == "Polygon":
        return [(_polygon(geom.get("coordinates"), where), where)]
    if kind == "MultiPolygon":
        coords = geom.get("coordinates")
        if not isinstance(coords, list):
            raise ConfigError(f"{where}: MultiPolygon coordinates must be a list, got {coords!r}")
        return [(_polygon(c, f"{where}.coordinates[{i}]"), f"{where}.coordinates[{i}]") for i, c in enumerate(coords)]
    if kind == "GeometryCollection":
        out = []
        for i, g in enumerate(geom.get("geometries") or []):
            out += _geometry(g, f"{where}.geometries[{i}]")
        return out
    raise ConfigError(f"{where}: type {kind!r} is not water (expected Polygon, MultiPolygon, Feature or FeatureCollection)")


def read_geojson(path: Path, where: str) -> list[tuple[PolygonLL, str]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file {str(path)!r} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: {path.name} is not valid GeoJSON ({exc})") from None
    polys = _geometry(doc, f"{where} ({path.name})")
    if not polys:
        raise ConfigError(f"{where}: {path.name} holds no Polygon")
    return polys


def _kml_ring(elem, where: str) -> Ring:
    coords = elem.find(".//{*}coordinates")
    if coords is None or not (coords.text or "").strip():
        raise ConfigError(f"{where}: LinearRing without coordinates")
    pts = []
    for i, tok in enumerate(coords.text.split()):
        try:
            parts = [float(v) for v in tok.split(",")]
        except ValueError:
            raise ConfigError(f"{where}[{i}]: {tok!r} is not 'lon,lat[,alt]'") from None
        pts.append(_point(parts, f"{where}[{i}]"))
    return tuple(pts)


def read_kml(path: Path, where: str) -> list[tuple[PolygonLL, str]]:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ConfigError(f"{where}: file {str(path)!r} does not exist") from None
    except ET.ParseError as exc:
        raise ConfigError(f"{where}: {path.name} is not valid KML ({exc})") from None
    out = []
    for i, poly in enumerate(root.findall(".//{*}Polygon")):
        w = f"{where} ({path.name}) Polygon[{i}]"
        outer = poly.find("{*}outerBoundaryIs")
        if outer is None:
            raise ConfigError(f"{w}: no outerBoundaryIs")
        holes = tuple(_kml_ring(h, f"{w}.innerBoundaryIs[{j}]") for j, h in enumerate(poly.findall("{*}innerBoundaryIs")))
        out.append((PolygonLL(_kml_ring(outer, f"{w}.outerBoundaryIs"), holes), w))
    if not out:
        raise ConfigError(f"{where}: {path.name} holds no Polygon")
    return out
