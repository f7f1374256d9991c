"""The words of a ticket: headline and description in Chinese and English, from its fields alone."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from .model import Text, Ticket

LABELS = {  # class -> (zh, en)
    "fishing_net": ("疑似非法渔网", "Suspected illegal fishing net"),
    "fishing_boat": ("疑似非法捕捞船只", "Suspected illegal fishing boat"),
    "swimmer": ("禁泳水域发现游泳者", "Swimmer in forbidden water"),
    "waste_pile": ("疑似非法倾倒垃圾堆", "Suspected illegally dumped waste pile"),
    "muck_truck": ("疑似渣土车违规倾倒", "Suspected muck truck dumping"),
    "floating_debris": ("水面漂浮垃圾", "Floating debris on the water"),
}
OBSERVED = {  # observation -> (zh prefix, en prefix)
    "new": ("", ""),
    "seen_again": ("【再次发现】", "[Seen again] "),
    "moved": ("【位置变化】", "[Moved] "),
    "resolved": ("【已不可见】", "[No longer seen] "),
}
STATUS_WORDS = {  # ticket status -> (zh, en)
    "open": ("待处理", "open"), "received": ("已接收", "received"), "dispatched": ("已派员", "dispatched"),
    "on_scene": ("已到场", "on scene"), "resolved": ("已处置", "resolved"), "false_alarm": ("误报", "false alarm"),
}


def label(kind: str) -> tuple[str, str]:
    return LABELS.get(kind, (f"异常情况（{kind}）", f"Anomaly ({kind.replace('_', ' ')})"))


def place_words(t: Ticket) -> tuple[str, str]:
    loc = t.location
    if loc.hotspot and loc.area and loc.area_distance_m == 0:
        return f"{loc.area} {loc.hotspot}", f"{loc.hotspot}, {loc.area}"
    if loc.hotspot:
        return loc.hotspot, loc.hotspot
    if loc.area and loc.area_distance_m:
        return f"{loc.area} 附近 {loc.area_distance_m:.0f} 米", f"{loc.area_distance_m:.0f} m from {loc.area}"
    if loc.area:
        return loc.area, loc.area
    return f"{loc.lat:.5f}, {loc.lon:.5f}", f"{loc.lat:.5f}, {loc.lon:.5f}"


def ticket_text(t: Ticket) -> tuple[Text, Text]:
    (lzh, len_), (pzh, pen), (ozh, oen) = label(t.type), place_words(t), OBSERVED.get(t.observation, ("", ""))
    tz = ZoneInfo(t.timezone)
    first, last = (x.astimezone(tz).strftime("%Y-%m-%d %H:%M") for x in (t.first_seen, t.last_seen))
    loc = t.location
    szh, sen = STATUS_WORDS[t.status]
    headline = Text(f"{ozh}{lzh}：{pzh}", f"{oen}{len_} at {pen}")
    zh = (f"{t.drone} 号无人机在任务 {t.mission} 中发现{lzh}。首次发现 {first}，最近一次 {last}（{t.timezone}），"
          f"共 {t.sightings} 次目击，置信度 {t.confidence:.0%}（模型 {t.model_version}）。"
          f"位置：纬度 {loc.lat:.6f}，经度 {loc.lon:.6f}，误差约 {loc.uncertainty_m:.0f} 米，{pzh}。"
          f"处理状态：{szh}。")
    en = (f"Drone {t.drone} on mission {t.mission} found: {len_.lower()}. First seen {first}, last seen {last} "
          f"({t.timezone}), {t.sightings} sighting{'s' if t.sightings != 1 else ''}, confidence {t.confidence:.0%} "
          f"(model {t.model_version}). Position {loc.lat:.6f}, {loc.lon:.6f} within about "
          f"{loc.uncertainty_m:.0f} m, {pen}. Status: {sen}.")
    if t.observation == "resolved":
        zh += "无人机最近一次巡查时已不可见。"
        en += " The drone no longer saw it on its last pass."
    return headline, Text(zh, en)
