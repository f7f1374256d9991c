"""The site's failsafe policy: what the vehicle itself does when the battery, the link or a fence fails.

The controller writes these as ArduCopter parameters before every sortie and reads them back, so
the drone stays safe even if the controller dies mid-flight.
"""
from __future__ import annotations

from dataclasses import dataclass

from .reader import Fields

ACTIONS = ("rtl", "land", "none")
FENCE_ACTIONS = ("rtl", "land", "report")


@dataclass(frozen=True)
class FailsafePolicy:
    gcs_loss: str = "rtl"            # FS_GCS_ENABLE: rtl 1, land 5, none 0
    gcs_timeout_s: float = 5.0       # FS_GCS_TIMEOUT
    battery_low: str = "rtl"         # BATT_FS_LOW_ACT: rtl 2, land 1, none 0
    battery_critical: str = "land"   # BATT_FS_CRT_ACT
    battery_low_fraction: float = 0.15       # BATT_LOW_MAH = capacity x this
    battery_critical_fraction: float = 0.08  # BATT_CRT_MAH = capacity x this
    fence: str = "rtl"               # FENCE_ACTION: rtl 1 (RTL or land), land 2, report 0


def parse_failsafe(f: Fields | None) -> FailsafePolicy:
    if f is None:
        return FailsafePolicy()
    d = FailsafePolicy()
    p = FailsafePolicy(
        gcs_loss=f.choice("gcs_loss", ACTIONS, d.gcs_loss),
        gcs_timeout_s=f.number("gcs_timeout_s", d.gcs_timeout_s, lo=2, hi=120),
        battery_low=f.choice("battery_low", ACTIONS, d.battery_low),
        battery_critical=f.choice("battery_critical", ACTIONS, d.battery_critical),
        battery_low_fraction=f.number("battery_low_fraction", d.battery_low_fraction, lo=0.02, hi=0.6),
        battery_critical_fraction=f.number("battery_critical_fraction", d.battery_critical_fraction, lo=0.01, hi=0.5),
        fence=f.choice("fence", FENCE_ACTIONS, d.fence),
    )
    f.done()
    if p.battery_critical_fraction >= p.battery_low_fraction:
        raise f.error("battery_critical_fraction", f"{p.battery_critical_fraction:g} must be below "
                                                   f"battery_low_fraction {p.battery_low_fraction:g}")
    return p
