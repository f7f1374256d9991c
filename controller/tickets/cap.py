"""A ticket version as an OASIS CAP 1.2 alert, for partners whose systems speak CAP.

Mapping: identifier = ticket id + version; msgType Alert for version 1, Update after (with
references to version 1 and the previous version, and the ticket id as incident), Cancel once an
agency calls it a false alarm; status Exercise for simulator tickets; scope Private, addressed to
the agencies on the ticket. One <info> per language (zh-CN, en-US) with the ticket's urgency,
severity and certainty, and the location as a circle of the position uncertainty.
"""
from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

from .model import Ticket
from .text import label, place_words

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CATEGORY = {"fishing_net": "Security", "fishing_boat": "Security", "swimmer": "Safety", "waste_pile": "Env",
            "muck_truck": "Env", "floating_debris": "Env"}
LANGUAGES = (("zh-CN", 0), ("en-US", 1))
RESOURCE_DESC = {"crop": ("证据截图", "evidence crop"), "frame": ("完整画面", "full frame")}


def cap_time(t: datetime, tz: str) -> str:
    """CAP's dateTime: local time with its offset, whole seconds, never 'Z'."""
    s = t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M:%S%z")
    return s[:-2] + ":" + s[-2:]


def default_sender(site: str) -> str:
    return "waterpatrol@" + (re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-") or "site")


def _identifier(t: Ticket, version: int) -> str:
    return f"{t.id}.v{version}"


def _sub(parent: ET.Element, tag: str, text=None) -> ET.Element:
    e = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        e.text = str(text)
    return e


def cap_alert(t: Ticket, *, sender: str | None = None, evidence: dict[str, bytes] | None = None,
              embed: bool = False) -> bytes:
    """The CAP 1.2 XML document of one ticket version; `evidence` adds digests (and with `embed`, the images)."""
    sender = sender or default_sender(t.site)
    at = {h.version: h.at for h in t.history}
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", _identifier(t, t.version))
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(t.updated, t.timezone))
    _sub(alert, "status", "Exercise" if t.exercise else "Actual")
    cancel = t.status == "false_alarm"
    _sub(alert, "msgType", "Alert" if t.version == 1 else "Cancel" if cancel else "Update")
    _sub(alert, "source", f"drone {t.drone}, mission {t.mission}, model {t.model_version}")
    _sub(alert, "scope", "Private")
    _sub(alert, "addresses", " ".join(t.agency_names))
    _sub(alert, "code", "waterpatrol.ticket/1")
    if cancel:
        who = next((h for h in reversed(t.history) if h.status == "false_alarm"), None)
        _sub(alert, "note", f"false alarm according to {who.by} ({who.actor})" if who else "false alarm")
    if t.version > 1:
        refs = dict.fromkeys(v for v in (1, t.version - 1) if v in at)
        _sub(alert, "references", " ".join(f"{sender},{_identifier(t, v)},{cap_time(at[v], t.timezone)}" for v in refs))
        _sub(alert, "incidents", t.id)
    for lang, i in LANGUAGES:
        _info(alert, t, lang, i, cancel, evidence, embed)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


def _info(alert: ET.Element, t: Ticket, lang: str, i: int, cancel: bool, evidence, embed: bool) -> None:
    info = _sub(alert, "info")
    _sub(info, "language", lang)
    _sub(info, "category", CATEGORY.get(t.type, "Other"))
    _sub(info, "event", label(t.type)[i])
    _sub(info, "responseType", "None" if cancel else "AllClear" if t.observation == "resolved" else "Assess")
    _sub(info, "urgency", t.urgency)
    _sub(info, "severity", t.severity)
    _sub(info, "certainty", t.certainty)
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "waterpatrol:type")
    _sub(code, "value", t.type)
    _sub(info, "onset", cap_time(t.first_seen, t.timezone))
    _sub(info, "senderName", (f"无人机水上巡查 {t.site}", f"waterpatrol drone patrol, {t.site}")[i])
    _sub(info, "headline", (t.headline.zh, t.headline.en)[i])
    _sub(info, "description", (t.description.zh, t.description.en)[i])
    loc = t.location
    params = {"ticketId": t.id, "version": t.version, "status": t.status, "observation": t.observation,
              "sightings": t.sightings, "confidence": f"{t.confidence:.3f}", "firstSeen": cap_time(t.first_seen, t.timezone),
              "lastSeen": cap_time(t.last_seen, t.timezone), "modelVersion": t.model_version, "drone": t.drone,
              "mission": t.mission, "uncertaintyM": f"{loc.uncertainty_m:.1f}", "area": loc.area, "hotspot": loc.hotspot}
    for name, value in params.items():
        if value is not None:
            p = _sub(info, "parameter")
            _sub(p, "valueName", name)
            _sub(p, "value", value)
    for e in t.evidence:
        res = _sub(info, "resource")
        _sub(res, "resourceDesc", RESOURCE_DESC.get(e.name, (e.name, e.name))[i])
        _sub(res, "mimeType", e.mime)
        _sub(res, "size", e.size)
        data = (evidence or {}).get(e.name)
        if data is not None and embed:
            _sub(res, "derefUri", base64.b64encode(data).decode("ascii"))
        if data is not None:
            _sub(res, "digest", hashlib.sha1(data).hexdigest())  # CAP 1.2 specifies SHA-1 here
    area = _sub(info, "area")
    _sub(area, "areaDesc", place_words(t)[i])
    _sub(area, "circle", f"{loc.lat:.6f},{loc.lon:.6f} {max(loc.uncertainty_m, 1.0) / 1000:.3f}")
