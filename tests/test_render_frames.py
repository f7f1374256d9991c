"""Frames: the same seed renders the same picture, other seeds other water, light and weather."""
from __future__ import annotations

import numpy as np
import pytest

from sim.camera.conditions import WATER_RGB, Conditions
from sim.world import WORLDS_DIR
from sim.world.loader import load_world

from .camera_support import WATER_XY, nadir, renderer, site


@pytest.fixture(scope="module")
def jinji():
    s = site("jinji")
    return renderer(load_world(WORLDS_DIR / "jinji.yaml", s))


def test_same_seed_same_frame_other_seeds_other_frames(jinji):
    view = nadir(*WATER_XY, 80.0, yaw=30)
    frames = [jinji.render(view, Conditions.random(np.random.default_rng(s))).image for s in (1, 1, 2, 3, 4)]
    assert np.array_equal(frames[0], frames[1])
    means = [f.reshape(-1, 3).mean(axis=0) for f in frames[1:]]
    for i in range(len(means)):
        for j in range(i + 1, len(means)):
            # visibly different: mean colour apart by several levels, or the pictures differ a lot pixel by pixel
            d = np.abs(means[i] - means[j]).max()
            px = np.abs(frames[1 + i].astype(int) - frames[1 + j].astype(int)).mean()
            assert d > 6 or px > 12, (i, j, d, px)


def test_water_colour_follows_the_conditions(jinji):
    view = nadir(*WATER_XY, 80.0)
    base = Conditions(glint=0.0, haze=0.0, vignette=0.0, noise=0.0)
    colours = {}
    for name in WATER_RGB:
        c = Conditions(**{**base.__dict__, "water": name, "water_rgb": WATER_RGB[name][0],
                          "water_patch_rgb": WATER_RGB[name][1]})
        colours[name] = jinji.render(view, c).image.reshape(-1, 3).mean(axis=0)[::-1]   # RGB
    assert colours["algae"][1] > colours["algae"][2] + 20          # green
    assert colours["silt"][0] > colours["silt"][2] + 20            # brown: red above blue
    assert colours["blue"][2] > colours["blue"][0] + 20
    assert colours["clear"].mean() < colours["silt"].mean()


def test_haze_blur_noise_and_glint_change_the_picture(jinji):
    view = nadir(*WATER_XY, 80.0)
    plain = Conditions(glint=0.0, haze=0.0, vignette=0.0, noise=0.0)
    img = jinji.render(view, plain).image.astype(float)

    def with_(**kw):
        return jinji.render(view, Conditions(**{**plain.__dict__, **kw})).image.astype(float)
    assert with_(haze=0.9).mean() > img.mean() + 15                               # milky
    blurred = with_(blur_px=2.0)
    assert np.abs(np.diff(blurred, axis=1)).mean() < 0.7 * np.abs(np.diff(img, axis=1)).mean()
    noisy = with_(noise=8.0)
    assert (noisy - img).std() > 5
    # a high sun behind the camera puts its glint in the frame (the specular point is near nadir)
    glare = with_(glint=1.5, sun_elevation_deg=80.0, sun_azimuth_deg=180.0)
    assert glare.max() > img.max() + 40 and glare.mean() > img.mean() + 1


def test_frames_over_land_show_land_and_over_water_show_water(jinji):
    land = jinji.render(nadir(-150.0, 0.0, 60.0), Conditions())
    water = jinji.render(nadir(*WATER_XY, 60.0), Conditions())
    shore = jinji.render(nadir(162.0, 0.0, 60.0), Conditions())
    assert land.water_fraction == 0.0 and water.water_fraction == 1.0 and 0.3 < shore.water_fraction < 0.7
    assert land.image.shape == water.image.shape == (1080, 1920, 3)
