"""Mission protocol done properly: upload with MISSION_ITEM_INT, read back, compare item by item.

ArduPilot asks for items with MISSION_REQUEST even when sent MISSION_ITEM_INT, replaces item 0
with home, and can leave the previous mission truncated after a failed upload: so an upload is
only trusted once the vehicle's own copy has been downloaded and matches.
"""
from __future__ import annotations

import struct
import time

from pymavlink import mavutil

from missions.plan import NAV_COMMANDS, MissionItem

from .errors import VehicleError
from .link import Link

M = mavutil.mavlink
# commands ArduPilot stores with a position (and so a frame); the rest come back at 0, 0, 0 in frame 0
LOCATED = (NAV_COMMANDS - {M.MAV_CMD_NAV_RETURN_TO_LAUNCH}) | {
    M.MAV_CMD_NAV_LOITER_UNLIM, M.MAV_CMD_NAV_LOITER_TIME, M.MAV_CMD_NAV_LOITER_TO_ALT, M.MAV_CMD_NAV_SPLINE_WAYPOINT,
    M.MAV_CMD_DO_SET_ROI, M.MAV_CMD_DO_SET_HOME}
STEP_VEHICLE_S = 1.5     # how long to wait for the vehicle's next request before nudging it
UPLOAD_VEHICLE_S = 30.0  # the whole exchange
RETRIES = 6


def result_name(code: int) -> str:
    e = M.enums.get("MAV_MISSION_RESULT", {}).get(code)
    return e.name if e is not None else f"result {code}"


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def same_item(a: MissionItem, b: MissionItem) -> bool:
    """Equal as the vehicle stores them: float32 parameters, 1e-7 degree positions.

    ArduPilot keeps no frame or position for commands without a location (DO_CHANGE_SPEED comes
    back in MAV_FRAME_GLOBAL at 0, 0, 0), so those are compared by their parameters alone.
    """
    if a.command != b.command:
        return False
    for x, y in ((a.param1, b.param1), (a.param2, b.param2), (a.param3, b.param3), (a.param4, b.param4)):
        if abs(_f32(x) - _f32(y)) > 1e-3 * max(1.0, abs(x)):
            return False
    if a.command not in LOCATED and a.command < 5000:
        return True
    if a.frame != b.frame or abs(_f32(a.alt) - _f32(b.alt)) > 1e-3 * max(1.0, abs(a.alt)):
        return False
    return abs(a.lat - b.lat) <= 1.5e-7 and abs(a.lon - b.lon) <= 1.5e-7


class Mission:
    def __init__(self, link: Link):
        self.link = link

    def _item_msg(self, mav, it: MissionItem, seq: int, mission_type: int):
        mav.mission_item_int_send(self.link.target_system, self.link.target_component, seq, it.frame, it.command,
                                  0, it.autocontinue, it.param1, it.param2, it.param3, it.param4,
                                  int(round(it.lat * 1e7)), int(round(it.lon * 1e7)), it.alt, mission_type)

    def upload(self, items: list[MissionItem], mission_type: int = M.MAV_MISSION_TYPE_MISSION) -> None:
        link = self.link
        n = len(items)
        what = "fence" if mission_type == M.MAV_MISSION_TYPE_FENCE else "mission"
        deadline = time.monotonic() + link.wall(UPLOAD_VEHICLE_S, 5.0)
        with link.waiter("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK") as w:
            link.send(lambda m: m.mission_count_send(link.target_system, link.target_component, n, mission_type))
            asked, nudges = set(), 0
            while time.monotonic() < deadline:
                msg = w.get(link.wall(STEP_VEHICLE_S, 0.3), lambda x: getattr(x, "mission_type", 0) == mission_type)
                if msg is None:
                    nudges += 1
                    if nudges > RETRIES:
                        break
                    if not asked:
                        link.send(lambda m: m.mission_count_send(link.target_system, link.target_component, n, mission_type))
                    continue
                if msg.get_type() == "MISSION_ACK":
                    if msg.type == M.MAV_MISSION_ACCEPTED and (n == 0 or n - 1 in asked):
                        return
                    if msg.type in (M.MAV_MISSION_ACCEPTED, M.MAV_MISSION_INVALID_SEQUENCE):
                        # an ack of an earlier exchange, or a late answer of ours: ArduPilot asks again
                        continue
                    raise VehicleError(f"{link.name}: {what} upload refused: {result_name(msg.type)}"
                                       + (f" at item {max(asked)}" if asked else ""))
                seq = msg.seq
                if 0 <= seq < n:
                    asked.add(seq)
                    nudges = 0
                    link.send(lambda m, s=seq: self._item_msg(m, items[s], s, mission_type))
        raise VehicleError(f"{link.name}: {what} upload timed out after {len(asked)} of {n} items")

    def download(self, mission_type: int = M.MAV_MISSION_TYPE_MISSION) -> list[MissionItem]:
        link = self.link
        with link.waiter("MISSION_COUNT", "MISSION_ITEM_INT", "MISSION_ITEM") as w:
            count = None
            for _ in range(RETRIES):
                link.send(lambda m: m.mission_request_list_send(link.target_system, link.target_component, mission_type))
                msg = w.get(link.wall(STEP_VEHICLE_S, 0.3),
                            lambda x: x.get_type() == "MISSION_COUNT" and getattr(x, "mission_type", 0) == mission_type)
                if msg is not None:
                    count = msg.count
                    break
            if count is None:
                raise VehicleError(f"{link.name}: the vehicle did not say how many mission items it holds")
            items: list[MissionItem] = []
            for seq in range(count):
                got = None
                for _ in range(RETRIES):
                    link.send(lambda m, s=seq: m.mission_request_int_send(link.target_system, link.target_component, s,
                                                                          mission_type))
                    got = w.get(link.wall(STEP_VEHICLE_S, 0.3),
                                lambda x, s=seq: x.get_type() in ("MISSION_ITEM_INT", "MISSION_ITEM") and x.seq == s)
                    if got is not None:
                        break
                if got is None:
                    raise VehicleError(f"{link.name}: mission item {seq} of {count} never came")
                scale = 1e7 if got.get_type() == "MISSION_ITEM_INT" else 1.0
                items.append(MissionItem(seq, got.command, got.frame, got.param1, got.param2, got.param3, got.param4,
                                         got.x / scale, got.y / scale, got.z, got.autocontinue))
            link.send(lambda m: m.mission_ack_send(link.target_system, link.target_component, M.MAV_MISSION_ACCEPTED,
                                                   mission_type))
        return items

    def upload_verified(self, items: list[MissionItem], mission_type: int = M.MAV_MISSION_TYPE_MISSION) -> list[MissionItem]:
        """Upload, download, compare every item but home (which the vehicle replaces); retry once."""
        for attempt in (1, 2):
            self.upload(items, mission_type)
            back = self.download(mission_type)
            bad = mismatch(items, back, skip_home=mission_type == M.MAV_MISSION_TYPE_MISSION)
            if bad is None:
                return back
            if attempt == 2:
                raise VehicleError(f"{self.link.name}: the vehicle's mission differs from the plan: {bad}")
        return back

    def clear(self, mission_type: int = M.MAV_MISSION_TYPE_MISSION) -> None:
        link = self.link
        with link.waiter("MISSION_ACK") as w:
            for _ in range(RETRIES):
                link.send(lambda m: m.mission_clear_all_send(link.target_system, link.target_component, mission_type))
                if w.get(link.wall(STEP_VEHICLE_S, 0.3), lambda x: getattr(x, "mission_type", 0) == mission_type):
                    return
        raise VehicleError(f"{link.name}: mission clear was not acknowledged")

    def set_current(self, seq: int, reports: int | None = None) -> None:
        """Jump to item `seq`. ArduPilot runs DO items from there and reports the next NAV item as
        current, so confirmation waits for `reports` (that NAV item's index) when given."""
        link = self.link
        want = seq if reports is None else reports
        with link.waiter("MISSION_CURRENT") as w:
            for _ in range(RETRIES):
                link.send(lambda m: m.mission_set_current_send(link.target_system, link.target_component, seq))
                if w.get(link.wall(STEP_VEHICLE_S, 0.3), lambda x: x.seq == want):
                    return
        raise VehicleError(f"{link.name}: the vehicle did not move to mission item {seq}")


def _fields(it: MissionItem) -> str:
    return (f"command {it.command} frame {it.frame} params ({it.param1:g}, {it.param2:g}, {it.param3:g}, {it.param4:g}) "
            f"at ({it.lat:.7f}, {it.lon:.7f}, {it.alt:g})")


def mismatch(sent: list[MissionItem], back: list[MissionItem], skip_home: bool = True) -> str | None:
    if len(sent) != len(back):
        return f"{len(back)} items on the vehicle, {len(sent)} planned"
    for a, b in zip(sent, back):
        if skip_home and a.seq == 0:
            continue
        if not same_item(a, b):
            return f"item {a.seq}: planned {_fields(a)}, vehicle has {_fields(b)}"
    return None
