"""Light, weather, water colour and camera imperfections of one exposure.

The SITL camera keeps the world's environment for a whole flight (`from_environment`); datasets draw
a fresh set per image (`random`) so the detector sees clear and algae-green water, noon glare and
low evening sun, haze, blur, noise and heavy JPEG.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from sim.world.schema import WATER_COLORS, Environment

# RGB of the water body seen straight down, and of the patches that vary it (algae, silt plumes)
WATER_RGB = {
    "clear": ((44, 68, 72), (58, 84, 80)),
    "blue": ((38, 70, 80), (50, 84, 90)),
    "green": ((56, 80, 64), (72, 98, 66)),
    "algae": ((60, 96, 46), (86, 126, 44)),
    "silt": ((108, 98, 74), (128, 114, 82)),
}


@dataclass(frozen=True)
class Conditions:
    sun_elevation_deg: float = 50.0
    sun_azimuth_deg: float = 160.0
    water: str = "green"
    water_rgb: tuple[int, int, int] = WATER_RGB["green"][0]
    water_patch_rgb: tuple[int, int, int] = WATER_RGB["green"][1]
    wind_mps: float = 3.0
    wind_from_deg: float = 120.0
    haze: float = 0.15           # 0..1
    exposure: float = 1.0        # overall gain
    warmth: float = 0.0          # -1 bluish .. +1 warm (white balance)
    contrast: float = 1.0
    vignette: float = 0.15       # darkening at the corners (fraction)
    blur_px: float = 0.0         # defocus, Gaussian sigma in pixels
    motion_px: float = 0.0       # motion blur length in pixels
    motion_dir_deg: float = 0.0  # direction of the smear in the image (0 = +u, 90 = +v)
    noise: float = 2.0           # sensor noise, sigma in 8-bit levels
    jpeg_quality: int = 88
    glint: float = 1.0           # scales sun glint on water
    cloud_shadow: float = 0.0    # 0..1: soft dark patches of cloud shadow
    shadows: float = 1.0         # scales cast shadows (0: none, for tests that compare pixels with labels)
    seed: int = 0                # picks the noise pattern

    @classmethod
    def from_environment(cls, env: Environment, seed: int = 0) -> "Conditions":
        body, patch = WATER_RGB[env.water]
        return cls(sun_elevation_deg=env.sun_elevation_deg, sun_azimuth_deg=env.sun_azimuth_deg, water=env.water,
                   water_rgb=body, water_patch_rgb=patch, wind_mps=env.wind_mps, wind_from_deg=env.wind_from_deg,
                   haze=env.haze, seed=seed)

    @classmethod
    def random(cls, rng: np.random.Generator, env: Environment | None = None) -> "Conditions":
        """A plausible exposure over a Suzhou lake; `env`, when given, is kept as the middle of the draw."""
        water = str(rng.choice(WATER_COLORS)) if env is None or rng.random() < 0.5 else env.water
        body, patch = WATER_RGB[water]
        jitter = rng.normal(0, 6, 3)
        body = tuple(int(np.clip(c + j, 10, 200)) for c, j in zip(body, jitter))
        patch = tuple(int(np.clip(c + j + d, 10, 220)) for c, j, d in zip(patch, jitter, rng.normal(0, 6, 3)))
        elev = float(np.clip(rng.triangular(8, 50, 85), 8, 85))
        haze = float(np.clip(rng.gamma(1.5, 0.12), 0, 0.9))
        blur = float(rng.choice([0.0, rng.uniform(0.3, 1.4)], p=[0.5, 0.5]))
        motion = float(rng.choice([0.0, rng.uniform(1.0, 4.0)], p=[0.75, 0.25]))
        return cls(
            sun_elevation_deg=elev, sun_azimuth_deg=float(rng.uniform(60, 300)), water=water,
            water_rgb=body, water_patch_rgb=patch,
            wind_mps=float(np.clip(rng.gamma(2.0, 1.6), 0, 12)), wind_from_deg=float(rng.uniform(0, 360)),
            haze=haze, exposure=float(rng.normal(1.0, 0.1)), warmth=float(np.clip(rng.normal(0.05, 0.2), -0.5, 0.5)),
            contrast=float(rng.normal(1.0, 0.08)), vignette=float(rng.uniform(0.0, 0.3)), blur_px=blur,
            motion_px=motion, motion_dir_deg=float(rng.uniform(0, 180)), noise=float(rng.uniform(0.5, 7)),
            jpeg_quality=int(rng.integers(45, 96)), glint=float(rng.uniform(0.4, 1.5)),
            cloud_shadow=float(rng.choice([0.0, rng.uniform(0.15, 0.45)], p=[0.85, 0.15])), seed=int(rng.integers(1 << 30)))

    def clean(self) -> "Conditions":
        """No blur, noise, haze, vignetting or clouds: for tests that compare pixels with projections."""
        return replace(self, haze=0.0, vignette=0.0, blur_px=0.0, motion_px=0.0, noise=0.0, cloud_shadow=0.0,
                       jpeg_quality=100)

    def sun_vector(self) -> np.ndarray:
        """Unit vector (east, north, up) towards the sun."""
        e, a = math.radians(self.sun_elevation_deg), math.radians(self.sun_azimuth_deg)
        return np.array([math.cos(e) * math.sin(a), math.cos(e) * math.cos(a), math.sin(e)])

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}
