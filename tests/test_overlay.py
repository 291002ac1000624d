"""Plumbing of the vector overlay: joining faces cut by tile edges, sorting (face, feature) pairs."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landuse import _overlay


def _join(pieces: list[shapely.Polygon]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    polys = np.array(pieces, dtype=object)
    return _overlay.merge_seams(polys, np.zeros(len(polys), dtype=np.int64), np.ones(len(polys), dtype=bool))


def test_pieces_that_match_along_the_cut_are_joined_without_a_full_union(monkeypatch):
    # a 2 x 1 rectangle cut at x = 1 as the tile clip cuts it: the same two vertices on both sides
    calls = []
    monkeypatch.setattr(shapely, "union_all", lambda *a, **k: calls.append(a) or pytest.fail("full union"))
    polys, source, owner = _join([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    assert len(polys) == 1 and not calls
    assert polys[0].area == 2.0 and shapely.is_valid(polys[0])
    assert shapely.equals(polys[0], shapely.box(0, 0, 2, 1))
    assert owner.tolist() == [0, 0] and source.tolist() == [0]


@pytest.mark.parametrize("left_extra, right_extra", [((1, 0.5), None), ((1, 0.5), (1, 0.6))],
                         ids=["a vertex on one side only", "different vertices on each side"])
def test_pieces_that_do_not_match_along_the_cut_fall_back_to_the_exact_union(left_extra, right_extra):
    # where the cut's vertices differ, the coverage union fails or leaves a crack: the full union is exact
    left = shapely.Polygon([(0, 0), (1, 0), left_extra, (1, 1), (0, 1)])
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1)] + ([right_extra] if right_extra else []))
    polys, _, owner = _join([left, right])
    assert len(polys) == 1 and owner.tolist() == [0, 0]
    assert shapely.is_valid(polys[0]) and polys[0].area == pytest.approx(2.0, rel=1e-12)
    assert shapely.equals(polys[0], shapely.box(0, 0, 2, 1))


def test_pieces_of_one_group_that_only_meet_at_a_corner_stay_two_faces():
    polys, source, owner = _join([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2), shapely.box(2, 1, 3, 2)])
    assert len(polys) == 2
    assert sorted(p.area for p in polys) == [1.0, 2.0]
    assert owner[1] == owner[2] != owner[0]  # the two that share an edge are one face
    assert shapely.equals(polys[owner[0]], shapely.box(0, 0, 1, 1))
    assert source.tolist() == [0, 0]


def test_pairs_are_sorted_as_lexsort_sorts_them():
    rng = np.random.default_rng(7)
    face, feature = rng.integers(0, 500, 20_000), rng.integers(0, 3_000, 20_000)
    order = np.lexsort((feature, face))
    got_face, got_feature = _overlay.sorted_pairs(face, feature)
    assert got_face.tolist() == face[order].tolist() and got_feature.tolist() == feature[order].tolist()
    empty = _overlay.sorted_pairs(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    assert [len(a) for a in empty] == [0, 0]


def test_tiles_go_to_the_workers_largest_first_and_come_back_in_place(monkeypatch):
    # a large tile last would run alone on one core while the others wait
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 40_000, (60, 2))
    geoms = shapely.buffer(shapely.points(centres), rng.uniform(500, 4_000, 60), quad_segs=rng.integers(2, 16))
    theme = np.arange(60) % 3
    zones = np.array([shapely.box(-5_000, -5_000, 45_000, 45_000)], dtype=object)
    one = _overlay.theme_faces(geoms, theme, zones, workers=1)
    monkeypatch.setattr(_overlay, "TILE_VERTICES", 100)
    sent: list[list[int]] = []

    def spy(func, items, shared, **kwargs):
        vertices = shapely.get_num_coordinates(shared["geoms"])
        sent.append([int(vertices[item[1]].sum()) for item in items])
        return [func(shared, item) for item in items]

    monkeypatch.setattr(_overlay, "parallel_map", spy)
    tiled = _overlay.theme_faces(geoms, theme, zones)
    assert len(sent[0]) > 4 and sent[0] == sorted(sent[0], reverse=True) and sent[0][0] > sent[0][-1]
    for bit_a, bit_b in ((0, 1), (0, 2), (1, 2)):
        both = (1 << bit_a) | (1 << bit_b)
        expected = one.area_m2[(one.mask & both) == both].sum()
        assert tiled.area_m2[(tiled.mask & both) == both].sum() == pytest.approx(expected, rel=1e-9)
    assert tiled.face_area_m2.sum() == pytest.approx(one.face_area_m2.sum(), rel=1e-9)
