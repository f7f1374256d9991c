"""Arming checks with ArduCopter's wording: "Arm: ..." when an arm request fails.

Only the checks a simulated copter can fail are modelled: EKF not started, position estimate
and GPS for modes that need them (or an enabled fence), the mode allowing arming, the fence not
already breached, the battery above BATT_ARM_VOLT / BATT_ARM_MAH and not failsafed. ARMING_CHECK
0 skips all but the mode check, as ArduPilot's mandatory checks do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .fence import TYPE_CIRCLE, TYPE_POLYGON, fence_names

if TYPE_CHECKING:
    from .copter import Copter


def arming_failures(c: "Copter", from_gcs: bool) -> list[str]:
    """Reasons (without the 'Arm: ' prefix) the copter cannot arm now; empty when it can."""
    fails: list[str] = []
    if not c.mode.allows_arming(from_gcs):
        fails.append(f"{c.mode.name} mode not armable")
        return fails
    checks = int(c.params["ARMING_CHECK"])
    if not c.ekf.started:
        fails.append("AHRS: EKF3 not started")
        return fails
    if checks == 0:
        return fails
    if c.failsafe_gcs:
        fails.append("GCS failsafe on")
    fence_needs_gps = bool(c.fence.enabled_fences() & (TYPE_CIRCLE | TYPE_POLYGON))
    if c.mode.requires_gps or fence_needs_gps:
        if not c.gps.healthy:
            fails.append("GPS 1: Bad fix")
        elif not c.position_ok():
            fails.append("Need Position Estimate")
        if c.ekf.glitching:
            fails.append("GPS glitching")
    if c.fence.enabled:
        if not c.fence.poly.valid:
            fails.append("Polygon fence(s) invalid")
        if c.fence.breaches:
            fails.append(f"Vehicle breaching {fence_names(c.fence.breaches)}")
    b = c.battery
    if c.battery_failsafe_level:
        fails.append("Battery failsafe")
    arm_volt = c.params["BATT_ARM_VOLT"]
    if arm_volt > 0 and b.voltage < arm_volt:
        fails.append(f"Battery 1 below minimum arming voltage ({arm_volt:.1f}V)")
    arm_mah = c.params["BATT_ARM_MAH"]
    if arm_mah > 0 and c.battery_remaining_mah() < arm_mah:
        fails.append(f"Battery 1 below minimum arming capacity ({arm_mah:.0f}mAh)")
    return fails
