"""Which messages a link sends when: ArduCopter's stream groups and per-message intervals.

REQUEST_DATA_STREAM sets a rate for a group (MAV_DATA_STREAM_ALL for all but parameters),
SET_MESSAGE_INTERVAL one message; both per link, as ArduPilot keeps them per channel. A message
already due is sent on the next step of simulated time, so rates hold at any speed-up.
"""
from __future__ import annotations

# MAV_DATA_STREAM -> message ids (ArduCopter's STREAM_*_msgs that the simulator produces)
RAW_SENSORS = (27, 116, 29)                                  # RAW_IMU, SCALED_IMU2, SCALED_PRESSURE
EXTENDED_STATUS = (1, 125, 152, 42, 24, 62, 162, 87)         # SYS_STATUS, POWER_STATUS, MEMINFO, MISSION_CURRENT,
                                                             # GPS_RAW_INT, NAV_CONTROLLER_OUTPUT, FENCE_STATUS,
                                                             # POSITION_TARGET_GLOBAL_INT
RC_CHANNELS = (36, 65)                                       # SERVO_OUTPUT_RAW, RC_CHANNELS
POSITION = (33, 32)                                          # GLOBAL_POSITION_INT, LOCAL_POSITION_NED
EXTRA1 = (30, 164, 178)                                      # ATTITUDE, SIMSTATE, AHRS2
EXTRA2 = (74,)                                               # VFR_HUD
EXTRA3 = (163, 2, 147, 193, 241)                             # AHRS, SYSTEM_TIME, BATTERY_STATUS, EKF_STATUS_REPORT,
                                                             # VIBRATION
STREAMS = {1: RAW_SENSORS, 2: EXTENDED_STATUS, 3: RC_CHANNELS, 4: (), 6: POSITION, 10: EXTRA1, 11: EXTRA2, 12: EXTRA3}
SR_NAMES = {1: "RAW_SENS", 2: "EXT_STAT", 3: "RC_CHAN", 4: "RAW_CTRL", 6: "POSITION", 10: "EXTRA1",
            11: "EXTRA2", 12: "EXTRA3"}
HEARTBEAT_ID = 0
HEARTBEAT_INTERVAL_S = 1.0


class Schedule:
    """Per-link message intervals and next due times (seconds of simulated time)."""

    __slots__ = ("intervals", "next_due", "_stream_rate", "_overrides", "_earliest")

    def __init__(self, now: float = 0.0):
        self.intervals: dict[int, float] = {HEARTBEAT_ID: HEARTBEAT_INTERVAL_S}
        self.next_due: dict[int, float] = {HEARTBEAT_ID: now}
        self._stream_rate: dict[int, float] = {}     # msgid -> Hz from its stream
        self._overrides: dict[int, float] = {}       # msgid -> interval s (SET_MESSAGE_INTERVAL); <0 disabled
        self._earliest = now

    def set_stream(self, stream_id: int, rate_hz: float, now: float) -> None:
        ids = [s for s in STREAMS] if stream_id == 0 else [stream_id]
        for sid in ids:
            for msgid in STREAMS.get(sid, ()):
                self._stream_rate[msgid] = rate_hz
                self._refresh(msgid, now)

    def set_interval(self, msgid: int, interval_us: float, now: float) -> None:
        """SET_MESSAGE_INTERVAL: -1 disables, 0 returns to the stream's rate, else microseconds."""
        if interval_us == 0:
            self._overrides.pop(msgid, None)
        elif interval_us < 0:
            self._overrides[msgid] = -1.0
        else:
            self._overrides[msgid] = interval_us / 1e6
        self._refresh(msgid, now)

    def interval_of(self, msgid: int) -> float:
        """Seconds between sends, 0 if not sent."""
        return self.intervals.get(msgid, 0.0)

    def _refresh(self, msgid: int, now: float) -> None:
        if msgid in self._overrides:
            interval = self._overrides[msgid]
        elif msgid == HEARTBEAT_ID:
            interval = HEARTBEAT_INTERVAL_S
        else:
            rate = self._stream_rate.get(msgid, 0.0)
            interval = 1.0 / rate if rate > 0 else -1.0
        if interval > 0:
            interval = max(interval, 0.001)
            self.intervals[msgid] = interval
            due = self.next_due.get(msgid)
            if due is None or due > now + interval:
                self.next_due[msgid] = now
            self._earliest = min(self._earliest, self.next_due[msgid])
        else:
            self.intervals.pop(msgid, None)
            self.next_due.pop(msgid, None)

    def due(self, now: float) -> list[int]:
        """Message ids to send now; their next due time advances by their interval."""
        if now < self._earliest:
            return []
        out = []
        earliest = float("inf")
        nd = self.next_due
        for msgid, t in nd.items():
            if t <= now:
                out.append(msgid)
                interval = self.intervals[msgid]
                t += interval
                if t <= now:            # fell behind (a burst of steps): do not queue a backlog
                    t = now + interval
                nd[msgid] = t
            if t < earliest:
                earliest = t
        self._earliest = earliest
        return out
