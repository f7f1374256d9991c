"""Which way a net runs inside its detection box (vision/netline.py): the floats decide, not the box's shape."""
import cv2
import numpy as np
import pytest

from vision.netline import line_ends

WATER = (60, 90, 70)


def floats(p0, p1, n=80):
    im = np.full((1080, 1920, 3), WATER, np.uint8)
    for t in np.linspace(0, 1, n):
        cv2.circle(im, (int(p0[0] + t * (p1[0] - p0[0])), int(p0[1] + t * (p1[1] - p0[1]))), 2, (230, 230, 230), -1)
    return im


def angle(ends):
    (x0, y0), (x1, y1) = ends
    return np.degrees(np.arctan2(y1 - y0, x1 - x0)) % 180


@pytest.mark.parametrize("p0,p1", [((110, 490), (990, 270)),    # "/" in a 4:1 box (14 degrees)
                                   ((110, 270), (990, 490)),    # "\" in the same box
                                   ((400, 100), (700, 900)),    # steep, in a tall box
                                   ((300, 300), (800, 800))])   # 45 degrees in a square box
def test_a_slanted_net_is_found_on_its_diagonal_even_in_an_elongated_box(p0, p1):
    im = floats(p0, p1)
    box = (min(p0[0], p1[0]) - 3, min(p0[1], p1[1]) - 3, max(p0[0], p1[0]) + 3, max(p0[1], p1[1]) + 3)
    assert abs(angle(line_ends(im, box)) - angle((p0, p1))) < 2.0


def test_a_net_along_an_image_axis_is_found_on_the_midline_of_a_loose_box():
    im = floats((110, 380), (990, 380))
    (x0, y0), (x1, y1) = line_ends(im, (108, 300, 992, 460))    # a box 5.5:1, much taller than the line
    assert y0 == y1 == 380 and x1 - x0 > 850


def test_a_thin_box_is_its_own_midline_without_looking():
    blank = np.zeros((10, 10, 3), np.uint8)       # the image is not consulted: the box is off it
    (x0, y0), (x1, y1) = line_ends(blank, (100, 376, 900, 384))
    assert y0 == y1 == 380 and (x0, x1) == (103, 897)
