"""Tätorter and centralorter as areas (issue 12): the points of a tätort, targets reached anywhere inside.

Pinned on the embedded Länstrafiken feed (2023-01-17, 06:00-09:00) and SCB tätorter 2020.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely

from landuse.errors import PartialLossWarning
from landuse.access.indicator import load_centralorter, load_origins, origin_points, summarise_points
from landuse.access.transit import travel_times
from landuse.access.transit_router import TransitRouter


@pytest.fixture(scope="module")
def router() -> TransitRouter:
    return TransitRouter(None, None)


@pytest.fixture(scope="module")
def own(router):  # noqa: ANN001, ANN201
    """Transit times with --target own, per point and summarised per tätort."""
    origins = load_origins()
    points = origin_points(origins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartialLossWarning)  # points without a stop: counted, tested elsewhere
        result = travel_times(points, load_centralorter(), source=router, target="own")
    return origins, points, result, summarise_points(result, origins, extra=("best_min",))


def test_points_spread_each_tatort_over_a_disc_of_its_land_area() -> None:
    origins = load_origins()
    points = origin_points(origins)
    # by hand: Luleå's SCB land area 2 845 ha is a disc of radius sqrt(2845e4 / pi) = 3 009 m
    lulea = origins[origins["name"] == "Luleå"].iloc[0]
    assert lulea["radius_m"] == pytest.approx(np.sqrt(2845e4 / np.pi))
    mine = points[points["origin_id"] == lulea["origin_id"]]
    centre = lulea.geometry
    assert shapely.distance(shapely.points(np.c_[mine.geometry.x, mine.geometry.y]), centre).max() <= lulea["radius_m"]
    # a 250 m grid inside a disc holds about area / 250² points
    assert len(mine) == pytest.approx(2845e4 / 250 ** 2, rel=0.05)  # Gauss circle: 441 of 455
    # people are shared, not created: every tätort's points sum to its head count
    sums = points.groupby("origin_id")["population"].sum()
    assert np.allclose(sums.reindex(origins["origin_id"]).to_numpy(), origins["population"].to_numpy())


def test_lulea_is_reached_by_bus_from_its_neighbours(own) -> None:
    _, _, _, summary = own
    by_name = summary.set_index("name")
    # best departure within 60 minutes for the tätorter the issue names, all of their people
    for name in ("Bergnäset", "Råneå"):
        assert by_name.loc[name, "share_within"] == 1.0, name
        assert by_name.loc[name, "best_min"] <= 60, name
    # Södra Sunderbyn's disc holds no stop (Sunderby sjukhus lies 1.3 km from SCB's point): the part of
    # it within walking distance of the hospital's stops is reached, the rest is not
    assert 0 < by_name.loc["Södra Sunderbyn", "share_within"] < 1
    assert by_name.loc["Södra Sunderbyn", "best_min"] <= 60
    # someone in Luleå has reached Luleå
    assert by_name.loc["Luleå", "travel_time_min"] == 0 and by_name.loc["Luleå", "share_within"] == 1
    # Gammelstaden (city buses are not in the regional feed) is counted at least in part
    assert by_name.loc["Gammelstaden", "share_within"] > 0


def test_every_tatort_with_a_served_stop_inside_is_reached(router, own) -> None:
    origins, _, result, _ = own
    window = router.c_board & (router.c_dep >= 6 * 3600) & (router.c_dep < 11 * 3600)
    served = np.zeros(len(router.stop_ids), dtype=bool)
    served[router.c_dep_stop[window]] = True
    checked = 0
    for row in origins.itertuples():
        _, inside, _ = router.stops_within(np.array([[row.geometry.x, row.geometry.y]]), row.radius_m)
        if not served[inside].any():
            continue
        checked += 1
        mine = result[result["origin_id"] == row.origin_id]
        assert mine["best_min"].notna().all(), row.name
    assert checked >= 60  # most tätorter have a served stop inside their area


def test_centralort_points_are_inside_their_target(own) -> None:
    origins, _, result, _ = own
    centralorter = set(load_centralorter()["target_id"])
    inside = result[result["origin_id"].isin(centralorter)]
    assert len(inside) > 14 and (inside["best_min"] == 0).all()


def test_outputs_name_their_network_and_origin_model(tmp_path) -> None:
    import geopandas as gpd
    import pyogrio
    from click.testing import CliRunner

    from landuse.cli import cli

    car = CliRunner().invoke(cli, ["access", "car", "--minutes", "60", "--out", str(tmp_path / "car")])
    transit = CliRunner().invoke(cli, ["access", "transit", "--minutes", "60", "--out", str(tmp_path / "tr")])
    assert car.exit_code == 0 and transit.exit_code == 0, car.output + transit.output
    # the county figure with its tätort share and its bounds over the whole population (SCB 2020: 249 614)
    assert "of 207,398 tätort people" in car.output and "; all 249,614 inhabitants: " in car.output
    assert "of tätort people within 60 min; all 249,614 inhabitants: " in transit.output
    for path, network in ((tmp_path / "car" / "access_car.gpkg", "network: Lantmäteriet Topografi 250, huvudvägnät"),
                          (tmp_path / "tr" / "access_transit.gpkg", "network: GTFS ltnbd_gtfs_2022-12-14.zip")):
        text = pyogrio.read_info(path, layer="origins")["layer_metadata"]["DESCRIPTION"]
        assert network in text and "SCB tätorter 2020 as discs of their land area" in text, text
    # the approximate flag is the rule "access leg more than half the trip", checked by hand
    points = gpd.read_file(tmp_path / "car" / "access_car.gpkg", layer="origin_points")
    by_hand = (points["travel_time_min"] > 0) & (points["access_min"] > points["travel_time_min"] / 2)
    assert (points["approximate"].astype(bool) == by_hand).all() and by_hand.any() and not by_hand.all()
    # the access leg is the straight line to the nearest node x 1.3 (default), at 50 km/h
    reached = points[points["travel_time_min"] > 0]
    assert np.allclose(reached["access_min"], reached["access_m"] / (50_000 / 60))
