"""Tiling covers the frame with overlap, and the merge makes one box per object across tiles."""
from __future__ import annotations

import numpy as np
import pytest

from vision.tiling import Tile, cut, grid, merge


def _covered(tiles, W, H):
    m = np.zeros((H, W), int)
    for t in tiles:
        m[t.y0:min(t.y1, H), t.x0:min(t.x1, W)] += 1
    return m


@pytest.mark.parametrize("W,H", [(1920, 1080), (1280, 720), (4000, 3000), (640, 640), (300, 200)])
def test_grid_covers_with_overlap(W, H):
    tiles = grid(W, H, max_side=704, min_overlap=48)
    m = _covered(tiles, W, H)
    assert m.min() >= 1
    assert all(t.w <= 704 and t.h <= 704 and t.w % 32 == 0 and t.h % 32 == 0 for t in tiles)
    xs = sorted({t.x0 for t in tiles})
    ys = sorted({t.y0 for t in tiles})
    tw, th = tiles[0].w, tiles[0].h
    assert all(b - a <= tw - 48 for a, b in zip(xs, xs[1:]))
    assert all(b - a <= th - 48 for a, b in zip(ys, ys[1:]))


def test_1080p_is_six_tiles():
    tiles = grid(1920, 1080)
    assert len(tiles) == 6 and (tiles[0].w, tiles[0].h) == (672, 576)
    assert sum(t.w * t.h for t in tiles) < 1.15 * 1920 * 1080


def test_cut_pads_small_frames():
    img = np.zeros((100, 150, 3), np.uint8) + 7
    tiles = grid(150, 100)
    batch = cut(img, tiles)
    assert batch.shape == (1, 128, 160, 3)
    assert (batch[0, :100, :150] == 7).all() and (batch[0, 100:, :] == 114).all()


TILES = [Tile(0, 0, 672, 576), Tile(624, 0, 672, 576), Tile(1248, 0, 672, 576),
         Tile(0, 504, 672, 576), Tile(624, 504, 672, 576), Tile(1248, 504, 672, 576)]


def run(boxes, scores, classes, tiles, **kw):
    return merge(np.array(boxes, float), np.array(scores), np.array(classes), np.array(tiles), TILES, 1920, 1080, **kw)


def test_duplicate_in_the_overlap_is_one_box():
    b, s, c = run([[630, 100, 660, 130], [631, 101, 661, 131]], [0.9, 0.7], [2, 2], [0, 1])
    assert len(b) == 1 and s[0] == pytest.approx(0.9)


def test_object_cut_by_a_seam_is_joined():
    # a boat from x=600 to 720 across the seam between tile 0 (ends 672) and tile 1 (starts 624)
    b, s, c = run([[600, 200, 672, 240], [624, 198, 720, 241]], [0.8, 0.6], [1, 1], [0, 1])
    assert len(b) == 1
    assert b[0] == pytest.approx([600, 198, 720, 241])


def test_neighbours_in_one_tile_stay_apart():
    b, s, c = run([[100, 100, 140, 130], [138, 100, 180, 130]], [0.9, 0.8], [1, 1], [0, 0])
    assert len(b) == 2


def test_other_class_in_the_same_place_stays():
    # a swimmer beside a boat, their boxes overlapping, from two tiles
    b, s, c = run([[640, 110, 660, 130], [600, 100, 680, 140]], [0.9, 0.7], [2, 1], [0, 1])
    assert sorted(c.tolist()) == [1, 2]


def test_boxes_that_only_touch_a_frame_edge_do_not_join():
    # both reach the frame's top edge (not a tile cut) and are side by side in different tiles, far apart
    b, s, c = run([[300, 0, 340, 30], [900, 0, 940, 30]], [0.9, 0.9], [1, 1], [0, 1])
    assert len(b) == 2


def test_misaligned_pieces_across_a_seam_stay_apart():
    # two boats at the seam, one high, one low: they touch the cut but do not line up
    b, s, c = run([[640, 100, 672, 130], [624, 300, 700, 330]], [0.9, 0.9], [1, 1], [0, 1])
    assert len(b) == 2


def test_a_net_across_three_tiles_is_one_box():
    # a diagonal line from (100, 100) to (1800, 1000), cut into its pieces per tile
    def piece(t):
        x0, x1 = max(100, t.x0), min(1800, t.x1)
        y = lambda x: 100 + (x - 100) * 900 / 1700      # noqa: E731
        ya, yb = max(y(x0), t.y0), min(y(x1), t.y1)
        if ya >= yb:
            return None
        xa, xb = 100 + (ya - 100) * 1700 / 900, 100 + (yb - 100) * 1700 / 900
        return [max(xa, x0) - 3, ya - 3, min(xb, x1) + 3, yb + 3]
    boxes, tiles = [], []
    for i, t in enumerate(TILES):
        p = piece(t)
        if p and p[2] - p[0] > 10:
            boxes.append(p)
            tiles.append(i)
    assert len(boxes) >= 3
    b, s, c = run(boxes, [0.7] * len(boxes), [0] * len(boxes), tiles, line_classes=frozenset({0}))
    assert len(b) == 1
    assert b[0] == pytest.approx([97, 97, 1803, 1003], abs=2)


def test_near_copies_in_one_tile_and_across_classes_are_one_box():
    b, s, c = run([[100, 100, 140, 130], [101, 100, 141, 131], [100, 101, 140, 130]], [0.5, 0.3, 0.2], [1, 1, 4],
                  [0, 0, 0])
    assert len(b) == 1 and c[0] == 1 and s[0] == pytest.approx(0.5)


def test_pieces_of_a_net_in_one_tile_are_one_line():
    b, s, c = run([[100, 100, 300, 140], [280, 130, 500, 180], [100, 400, 300, 440]], [0.5, 0.4, 0.6], [0, 0, 0],
                  [0, 0, 0], line_classes=frozenset({0}))
    assert len(b) == 2
    assert sorted(map(tuple, b.round().tolist())) == [(100, 100, 500, 180), (100, 400, 300, 440)]


def test_a_faint_guess_overlapping_a_confident_box_does_not_widen_it():
    # what an evaluation at conf 0.001 sees: a net piece at 0.8 and a wide faint box over it (and the
    # water beside it) at 0.01; the faint box is absorbed, the confident one keeps its shape
    faint = [80, 60, 900, 600]
    b, s, c = run([[100, 100, 300, 140], faint], [0.8, 0.01], [0, 0], [0, 0], line_classes=frozenset({0}))
    assert len(b) == 1 and b[0] == pytest.approx([100, 100, 300, 140]) and s[0] == pytest.approx(0.8)
    # the same two boxes scored alike are one line: the union
    b, s, c = run([[100, 100, 300, 140], faint], [0.8, 0.5], [0, 0], [0, 0], line_classes=frozenset({0}))
    assert len(b) == 1 and b[0] == pytest.approx(faint)
