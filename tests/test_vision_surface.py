"""Sightings on the wrong side of the shore for their class are dropped; near the shore everything stays."""
from shapely.geometry import Polygon

from vision.surface import SurfaceCheck
from vision.types import Sighting

# a lake of about 300 x 180 m with an island of about 60 x 40 m
LAKE = Polygon([(120.6785, 31.3120), (120.6815, 31.3120), (120.6815, 31.3136), (120.6785, 31.3136)],
               [[(120.6797, 31.3126), (120.6803, 31.3126), (120.6803, 31.3130), (120.6797, 31.3130)]])
M_LAT = 111_000.0


def _s(cls, lat, lon, unc=3.0):
    return Sighting(cls, 0.6, lat, lon, unc, 0.0, 1, 1, (0, 0, 10, 10))


def test_water_classes_must_be_on_the_water():
    c = SurfaceCheck(LAKE)
    assert c.plausible(_s("fishing_net", 31.3123, 120.6790))                 # open water
    assert c.plausible(_s("fishing_boat", 31.3120 - 10 / M_LAT, 120.6800))   # 10 m out: within the margin
    assert not c.plausible(_s("fishing_net", 31.3120 - 60 / M_LAT, 120.6800))  # 60 m inland
    assert not c.plausible(_s("swimmer", 31.3128, 120.6800))                 # the island's middle (20 m in)


def test_land_classes_must_be_on_land_or_the_shore():
    c = SurfaceCheck(LAKE)
    assert c.plausible(_s("waste_pile", 31.3120 - 30 / M_LAT, 120.6800))     # a field
    assert c.plausible(_s("waste_pile", 31.3120 + 8 / M_LAT, 120.6800))      # tipped down the bank
    assert not c.plausible(_s("muck_truck", 31.3123 + 10 / M_LAT, 120.6790))  # 43 m out on the water
    assert c.plausible(_s("muck_truck", 31.3128, 120.6800))                  # on the island


def test_the_error_radius_widens_the_shore():
    c = SurfaceCheck(LAKE, margin_m=5.0)
    far = 31.3120 - 30 / M_LAT
    assert not c.plausible(_s("fishing_net", far, 120.6800, unc=3.0))
    assert c.plausible(_s("fishing_net", far, 120.6800, unc=30.0))


def test_sizes_on_the_ground_must_fit_the_class():
    from vision.size import plausible_size

    def at(cls, px, gsd):
        return Sighting(cls, 0.6, 31.3123, 120.6790, 3.0, 0.0, 1, 1, (100, 100, 100 + px, 100 + px / 2), gsd_m=gsd)
    assert not plausible_size(at("fishing_boat", 40, 0.044))   # 1.8 m: a buoy, not a boat
    assert plausible_size(at("fishing_boat", 120, 0.044))      # 5.3 m
    assert not plausible_size(at("muck_truck", 60, 0.044))     # 2.6 m
    assert not plausible_size(at("swimmer", 200, 0.07))        # 14 m
    assert plausible_size(at("fishing_net", 20, 0.07))         # any piece of a net
    assert plausible_size(at("fishing_boat", 40, 0.0))         # no ground distance known: kept
