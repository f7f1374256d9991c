"""One call per downlinked frame: decode, detect, georeference, confirm. What the controller runs.

    vp = FramePipeline(water_level_m=site.info.water_level_m)   # or None: each frame's water_level_m
    for jpeg, meta in frames:
        r = vp.process(jpeg, meta)          # FrameResult: detections, sightings, newly confirmed anomalies
        for a in r.confirmed: tickets.raise_(a)
    vp.anomalies                            # everything tracked so far (confirmed or not)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .confirm import ConfirmPolicy, Confirmer
from .detect import Detector, decode_image
from .georef import Georeferencer, PoseErrors
from .size import plausible_size
from .surface import SurfaceCheck
from .types import Anomaly, CameraPose, Detection, Sighting


@dataclass
class FrameResult:
    pose: CameraPose
    detections: list[Detection] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    confirmed: list[Anomaly] = field(default_factory=list)     # confirmed by this frame (each anomaly once, ever)
    skipped: str | None = None                                 # why the frame was not looked at
    dropped: list[Sighting] = field(default_factory=list)      # implausible: wrong size, or wrong side of the shore


# The detector is trained on frames 30-120 m above the water; below this, during takeoff and landing, the
# dock and shore fill the frame at scales it has never seen, and what it reports there is noise.
MIN_ALT_M = 25.0


class FramePipeline:
    def __init__(self, water_level_m: float | None = None, land_level_m: float = 0.0, detector: Detector | None = None,
                 weights=None, conf: float | None = None, errors: PoseErrors = PoseErrors(),
                 policy: ConfirmPolicy = ConfirmPolicy(), min_alt_m: float = MIN_ALT_M, water=None):
        """`water`: the site's water as a shapely (Multi)Polygon in lon/lat; sightings on the wrong side of
        its shore for their class are dropped (vision/surface.py). None: no such check."""
        self.detector = detector or Detector(weights, conf=conf)
        self.min_alt_m = min_alt_m
        self.surface = SurfaceCheck(water) if water is not None else None
        self.georef = Georeferencer(water_level_m, land_level_m, errors)
        self.confirmer = Confirmer(policy)

    def process(self, jpeg: bytes, meta: dict | CameraPose, image: np.ndarray | None = None) -> FrameResult:
        pose = meta if isinstance(meta, CameraPose) else CameraPose.from_meta(meta)
        alt = pose.alt_water_m if pose.alt_water_m is not None else pose.alt_home_m
        if alt < self.min_alt_m:
            return FrameResult(pose, skipped=f"{alt:.0f} m up, below {self.min_alt_m:.0f} m")
        if image is None:
            image = decode_image(jpeg, f"frame {pose.vehicle}/{pose.seq}")
        dets = self.detector.detect(image)
        sights = self.georef.sightings(pose, dets)
        ok, dropped = [], []
        for s in sights:
            good = plausible_size(s) and (self.surface is None or self.surface.plausible(s))
            (ok if good else dropped).append(s)
        sights = ok
        newly = self.confirmer.add(sights, frame_jpeg=jpeg, image=image)
        return FrameResult(pose, dets, sights, newly, dropped=dropped)

    @property
    def anomalies(self) -> list[Anomaly]:
        return self.confirmer.anomalies
