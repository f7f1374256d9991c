"""Held-out scoring rules that decide the reported figures: box matching and nets scored by their line."""
import numpy as np

from vision.evaluate import NET_LINE_TOL_PX, match, net_line_hits

BLANK = np.zeros((1080, 1920, 3), np.uint8)


def net(line_px):
    return {"cls": "fishing_net", "line_px": line_px}


def test_match_is_greedy_by_confidence_and_needs_the_same_class():
    gt_b = np.array([[0, 0, 100, 100]], float)
    pred_b = np.array([[0, 0, 100, 100], [0, 0, 100, 90], [0, 0, 100, 100]], float)
    tp = match(pred_b, np.array([0, 0, 1]), np.array([0.5, 0.9, 0.99]), gt_b, np.array([0]))
    # the confident other-class box takes nothing; the 0.9 box (IoU 0.9) takes the truth first
    assert tp[:, 0].tolist() == [False, True, False]
    assert tp[1].sum() == 9          # IoU 0.90 passes 0.50 ... 0.90, not 0.95


def test_a_net_found_in_two_pieces_counts_once_and_both_pieces_are_right():
    truths = [net([(100, 500), (1500, 500)])]
    pieces = np.array([[90, 495, 820, 505], [780, 494, 1510, 506]], float)   # thin boxes: lines along them
    assert net_line_hits(BLANK, pieces, truths, 1920, 1080) == (1, 1, 2)


def test_a_net_seen_over_less_than_half_its_length_is_not_found():
    truths = [net([(100, 500), (1500, 500)])]
    piece = np.array([[100, 495, 600, 505]], float)
    assert net_line_hits(BLANK, piece, truths, 1920, 1080) == (0, 1, 1)


def test_a_net_detection_off_the_line_is_wrong_and_finds_nothing():
    truths = [net([(100, 500), (1500, 500)])]
    off = np.array([[100, 500 + 3 * NET_LINE_TOL_PX, 1500, 510 + 3 * NET_LINE_TOL_PX]], float)
    assert net_line_hits(BLANK, off, truths, 1920, 1080) == (0, 1, 0)


def test_only_the_visible_part_of_a_net_is_asked_for():
    # the line runs far out of the frame; the part inside (x 0..1920) is what must be covered
    truths = [net([(-3000, 300), (1920, 300)])]
    inside = np.array([[0, 295, 1920, 305]], float)
    assert net_line_hits(BLANK, inside, truths, 1920, 1080) == (1, 1, 1)


def test_other_classes_and_frames_without_nets_count_nothing():
    truths = [{"cls": "swimmer", "line_px": None}]
    assert net_line_hits(BLANK, np.zeros((0, 4)), truths, 1920, 1080) == (0, 0, 0)
    assert net_line_hits(BLANK, np.array([[0, 0, 400, 10]], float), truths, 1920, 1080) == (0, 0, 0)
