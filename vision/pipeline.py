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
from .types import Anomaly, CameraPose, Detection, Sighting


@dataclass
class FrameResult:
    pose: CameraPose
    detections: list[Detection] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    confirmed: list[Anomaly] = field(default_factory=list)     # confirmed by this frame (each anomaly once, ever)


class FramePipeline:
    def __init__(self, water_level_m: float | None = None, land_level_m: float = 0.0, detector: Detector | None = None,
                 weights=None, conf: float | None = None, errors: PoseErrors = PoseErrors(),
                 policy: ConfirmPolicy = ConfirmPolicy()):
        self.detector = detector or Detector(weights, conf=conf)
        self.georef = Georeferencer(water_level_m, land_level_m, errors)
        self.confirmer = Confirmer(policy)

    def process(self, jpeg: bytes, meta: dict | CameraPose, image: np.ndarray | None = None) -> FrameResult:
        pose = meta if isinstance(meta, CameraPose) else CameraPose.from_meta(meta)
        if image is None:
            image = decode_image(jpeg, f"frame {pose.vehicle}/{pose.seq}")
        dets = self.detector.detect(image)
        sights = self.georef.sightings(pose, dets)
        newly = self.confirmer.add(sights, frame_jpeg=jpeg, image=image)
        return FrameResult(pose, dets, sights, newly)

    @property
    def anomalies(self) -> list[Anomaly]:
        return self.confirmer.anomalies
