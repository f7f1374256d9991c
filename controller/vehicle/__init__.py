"""The vehicle, MAVSDK-style: one `System` per drone with a plugin per capability.

MAVLink 2 is selected before anything else touches pymavlink: the fence and rally protocols ride
on MISSION_* extension fields that MAVLink 1 frames drop.
"""
import logging
import os

os.environ.setdefault("MAVLINK20", "1")
# dronekit logs every STATUSTEXT and link hiccup itself; the controller records them as events instead
for _name in ("dronekit", "autopilot", "dronekit.vehicle", "dronekit.mavlink"):
    logging.getLogger(_name).setLevel(logging.CRITICAL + 10)

from pymavlink import mavutil  # noqa: E402

mavutil.set_dialect("ardupilotmega")

from .errors import LinkLost, VehicleError  # noqa: E402
from .system import System  # noqa: E402

__all__ = ["System", "VehicleError", "LinkLost"]
