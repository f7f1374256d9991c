"""The site's safety policy as ArduCopter parameters, written before every sortie and read back."""
from __future__ import annotations

from missions.site import Site

GCS_ACTION = {"rtl": 1, "land": 5, "none": 0}      # FS_GCS_ENABLE
BATTERY_ACTION = {"rtl": 2, "land": 1, "none": 0}  # BATT_FS_LOW_ACT / BATT_FS_CRT_ACT


def failsafe_params(site: Site, altitude_m: float, capacity_mah: float | None) -> dict[str, float]:
    f = site.failsafe
    p = {
        "FS_GCS_ENABLE": GCS_ACTION[f.gcs_loss],
        "FS_GCS_TIMEOUT": f.gcs_timeout_s,
        "BATT_FS_LOW_ACT": BATTERY_ACTION[f.battery_low],
        "BATT_FS_CRT_ACT": BATTERY_ACTION[f.battery_critical],
        "RTL_ALT": round(altitude_m * 100),        # cm; each drone returns at its own altitude
        "WPNAV_SPEED": round(site.vehicle.cruise_speed_mps * 100),
    }
    if capacity_mah and capacity_mah > 0:
        p["BATT_LOW_MAH"] = round(capacity_mah * f.battery_low_fraction)
        p["BATT_CRT_MAH"] = round(capacity_mah * f.battery_critical_fraction)
    return p
