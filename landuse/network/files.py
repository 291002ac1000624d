"""One entry for any network file: :func:`network_from_file` picks the reader by what the file is."""

from __future__ import annotations

from pathlib import Path

from landuse.errors import InputFileNotFoundError
from landuse.gtfs import is_feed, load_feed
from landuse.network.graph import RoadNetwork
from landuse.network.gtfs_stand_in import network_from_gtfs
from landuse.network.lines import network_from_lines
from landuse.network.main_roads import is_main_road_file, network_from_main_roads
from landuse.network.osm import network_from_osm
from landuse.settings import Settings

__all__ = ["network_from_file"]


def network_from_file(
    path: str | Path,
    *,
    speed_column: str = "speed_kph",
    oneway_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> RoadNetwork:
    """Read a network from any supported file, choosing the reader by its name.

    ``.osm``, ``.xml``, ``.pbf``, ``.graphml`` -> :func:`network_from_osm`; a GTFS zip or
    folder (holding any GTFS file such as ``stops.txt`` or ``stop_times.txt``, also a
    truncated zip whose member names show it) -> validated with
    :func:`landuse.gtfs.load_feed`, then :func:`network_from_gtfs`; anything else
    (``.gpkg``, ``.shp``, ``.geojson`` ...) -> :func:`network_from_lines`, which takes
    ``source_crs`` for a layer without one; except a Lantmäteriet Topografi 250 road
    layer (lines with a ``klass`` column holding only the classes of
    :data:`MAIN_ROAD_SPEED_KPH` and no ``speed_column``) -> :func:`network_from_main_roads`.

    Parameters
    ----------
    path : str or Path
        The network file or GTFS folder.
    speed_column : str
        Speed column (km/h) of a line layer.
    oneway_column : str, optional
        One-way column of a line layer (a Topografi 250 file with one is read as lines).
    source_crs : str, optional
        CRS to assume for a line layer without one.
    settings : Settings, optional
        ``data_dir``; ``gtfs_car_time_factor`` for the GTFS stand-in.

    Returns
    -------
    RoadNetwork
        EPSG:3006, edge times in minutes.

    Raises
    ------
    InputFileNotFoundError
        If ``path`` does not exist.
    GTFSError
        A GTFS feed that is corrupt or misses files or columns (one line naming all).
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"Network `{path}` does not exist. Pass an .osm, .osm.pbf, .graphml, road line layer or GTFS zip."
        )
    name = path.name.lower()
    if name.endswith((".osm", ".xml", ".pbf", ".graphml")):
        return network_from_osm(path)
    if is_feed(path):
        # loaded once, validated as `access transit` validates it: one line naming every problem
        return network_from_gtfs(load_feed(path, option="--network", settings=settings), settings=settings)
    if oneway_column is None and is_main_road_file(path, speed_column):
        return network_from_main_roads(path, settings=settings)
    return network_from_lines(path, speed_column=speed_column, oneway_column=oneway_column, source_crs=source_crs)
