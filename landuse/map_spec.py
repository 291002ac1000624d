"""The map spec: the one style spec (``maps/strukturbild.toml``) of the strukturbild.

Both the Folium map (:mod:`landuse.maps`) and the QGIS styles (:mod:`landuse.qgis_styles`)
read their colours and classes from it; :func:`load_map_spec` reads and validates it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any, Mapping

from landuse.errors import ConfigError, LanduseError
from landuse.outputs import ACCESS_FILES, MAP_INPUTS
from landuse.settings import Settings, resolve
from landuse.themes import parse_theme

__all__ = ["INPUT_LABELS", "MARKER_FILLS", "NEUTRAL_COLOUR", "MapSpec", "OverlaySpec", "load_map_spec"]

#: Swedish names of the inputs, for the legend's "saknas" line and the CLI.
INPUT_LABELS: dict[str, str] = {
    "layers": f"lagerkatalogen ({MAP_INPUTS['layers']})",
    "conflicts": f"målkonflikter ({MAP_INPUTS['conflicts']})",
    "conflicts_table": f"målkonflikttabell ({MAP_INPUTS['conflicts_table']})",
    "car": f"tillgänglighet med bil ({MAP_INPUTS['car']})",
    "car_table": f"tillgänglighet med bil ({MAP_INPUTS['car_table']})",
    "transit": f"tillgänglighet med kollektivtrafik ({MAP_INPUTS['transit']})",
    "transit_table": f"tillgänglighet med kollektivtrafik ({MAP_INPUTS['transit_table']})",
    "gtfs": "GTFS-flöde",
}
#: Marker fills of the node overlays, by overlay kind: the spec's ``colour`` is their outline.
#: The Folium map (:mod:`landuse.map_nodes`) and the QGIS styles draw them alike.
MARKER_FILLS: dict[str, str] = {"tatorter": "#ffffff", "centralorter": "#ffd92f"}
#: Colour of a layer or theme that no overlay of the spec colours.
NEUTRAL_COLOUR = "#7f7f7f"

_KINDS = ("kommuner", "theme", "conflicts", "isochrones", "origins", "strak", "roads", "tatorter", "centralorter")
_OVERLAY_KEYS = {
    "id", "kind", "label", "group", "input", "colour", "colours", "fill_opacity", "simplify_m", "show",
    "theme", "minutes", "min_themes", "score_bins", "departure_bins", "widths", "classes", "class_labels",
    "width",
}
_SPEC_KEYS = {"title", "subtitle", "schematic_note", "gtfs", "overlay", "travel_time"}
#: A CSS colour: #hex, a name, or rgb()/hsl() of numbers.  folium writes styles into the
#: page's <script> with plain json.dumps, so a colour must not be able to hold markup.
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(?:rgba?|hsla?)\([0-9.,%\s]+\)")
_NUMBER_KEYS = ("fill_opacity", "simplify_m", "minutes", "min_themes", "width")
_NUMBER_LIST_KEYS = ("score_bins", "departure_bins", "widths")

@dataclass(frozen=True)
class OverlaySpec:
    """One entry of the layer control (one ``[[overlay]]`` of a map spec).

    Attributes
    ----------
    id : str
        Unique name, also the HTML class of the overlay.
    kind : str
        Drawing code: kommuner, theme, conflicts, isochrones, origins, strak, roads, tatorter, centralorter.
    label, group : str
        Swedish legend text and the legend section (Noder, Stråk, Områden, Tillgänglighet).
    input : str
        Which input it is drawn from: layers, conflicts, car, transit or gtfs.
    colour : str
        CSS colour of lines and fills.
    simplify_m : float
        Simplification tolerance in metres (EPSG:3006); 0 keeps every vertex.
    classes, class_labels, colours, widths : tuple
        ``roads``: the ``klass`` values of the network layer, their Swedish legend
        labels, line colours and widths in pixels; other classes get ``colour`` and ``width``.
    """

    id: str
    kind: str
    label: str
    input: str
    group: str = ""
    colour: str = "#333333"
    colours: tuple[str, ...] = ()
    fill_opacity: float = 0.35
    simplify_m: float = 0.0
    show: bool = True
    theme: str | None = None
    minutes: float = 60.0
    min_themes: int = 2
    score_bins: tuple[float, ...] = ()
    departure_bins: tuple[float, ...] = ()
    widths: tuple[float, ...] = ()
    classes: tuple[str, ...] = ()
    class_labels: tuple[str, ...] = ()
    width: float = 1.5


@dataclass(frozen=True)
class MapSpec:
    """A map spec: title, overlays in drawing order, GTFS day and travel-time classes."""

    title: str
    overlays: tuple[OverlaySpec, ...]
    subtitle: str = ""
    schematic_note: str = ""
    gtfs_date: str = "2023-02-14"
    exclude_route_types: tuple[int, ...] = (1501,)
    time_bins: tuple[float, ...] = (30, 45, 60, 90)
    time_colours: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
    unreachable_colour: str = "#969696"
    path: Path | None = None

    @property
    def overlay_ids(self) -> list[str]:
        return [o.id for o in self.overlays]


def _bad_colours(colours: list[Any]) -> list[str]:
    return [repr(c) for c in colours if not (isinstance(c, str) and _CSS_COLOUR.fullmatch(c))]


def _value_problems(where: str, entry: Mapping[str, Any]) -> list[str]:
    """Colours that are not CSS colours and numbers that are not numbers, in one overlay entry.

    Styles reach the page as JavaScript, so a spec file could otherwise inject code.
    """
    problems = []
    bad = _bad_colours([entry["colour"]] if "colour" in entry else []) + _bad_colours(list(entry.get("colours", [])))
    if bad:
        problems.append(f"{where}: {', '.join(bad)} is not a CSS colour (#rrggbb, a name, rgb() or hsl())")

    def is_number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    for key in _NUMBER_KEYS:
        if key in entry and not is_number(entry[key]):
            problems.append(f"{where}: {key} must be a number")
    for key in _NUMBER_LIST_KEYS:
        if key in entry and not (isinstance(entry[key], list) and all(is_number(x) for x in entry[key])):
            problems.append(f"{where}: {key} must be a list of numbers")
    return problems


def load_map_spec(path: str | Path | None = None, *, settings: Settings | None = None) -> MapSpec:
    """Read and validate a map spec.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file, or the name of one in ``Settings.maps_dir`` (without ``.toml``);
        default ``strukturbild``.
    settings : Settings, optional
        ``maps_dir`` holds the named specs.

    Returns
    -------
    MapSpec

    Raises
    ------
    ConfigError
        If the file cannot be read, or lists every problem found in it at once.

    Examples
    --------
    >>> spec = load_map_spec()
    >>> spec.overlays[0].id, spec.overlays[-1].kind
    ('kommuner', 'centralorter')
    """
    settings = resolve(settings)
    candidate = Path(path) if path is not None else settings.maps_dir / "strukturbild.toml"
    if path is not None and not candidate.suffix:
        candidate = settings.maps_dir / f"{path}.toml"
    try:
        data: dict[str, Any] = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(p.stem for p in sorted(settings.maps_dir.glob("*.toml"))) or "none"
        raise ConfigError(f"Map spec `{candidate}` does not exist. Map specs in {settings.maps_dir}: {known}.") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"Map spec `{candidate.name}` cannot be read: {err}. Fix the TOML syntax.") from err
    problems: list[str] = []
    unknown = sorted(set(data) - _SPEC_KEYS)
    if unknown:
        problems.append(f"unknown top-level keys {', '.join(unknown)}")
    overlays: list[OverlaySpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("overlay", []), start=1):
        where = f"overlay {i} ({entry.get('id', '?')})"
        bad = sorted(set(entry) - _OVERLAY_KEYS)
        if bad:
            problems.append(f"{where}: unknown keys {', '.join(bad)}")
        missing = [k for k in ("id", "kind", "label", "input") if k not in entry]
        if missing:
            problems.append(f"{where}: missing keys {', '.join(missing)}")
            continue
        if entry["kind"] not in _KINDS:
            problems.append(f"{where}: kind {entry['kind']!r} is not one of {', '.join(_KINDS)}")
        if entry["id"] in seen:
            problems.append(f"{where}: id declared twice")
        seen.add(entry["id"])
        if entry["kind"] == "theme":
            try:
                parse_theme(entry.get("theme", ""))
            except LanduseError as err:
                problems.append(f"{where}: {err}")
        if entry["kind"] in ("isochrones", "origins") and entry["input"] not in ("car", "transit"):
            problems.append(f"{where}: input must be car or transit")
        if entry["kind"] == "conflicts" and len(entry.get("colours", [])) != len(entry.get("score_bins", [])) + 1:
            problems.append(f"{where}: give one colour more than score_bins")
        if entry["kind"] == "strak" and len(entry.get("widths", [])) != len(entry.get("departure_bins", [])):
            problems.append(f"{where}: give one width per departure bin")
        if entry["kind"] == "roads":
            if entry["input"] != "car":
                problems.append(f"{where}: input must be car (the network layer of {ACCESS_FILES['car']['gpkg']})")
            n = len(entry.get("classes", []))
            if not all(isinstance(x, str) for x in [*entry.get("classes", []), *entry.get("class_labels", [])]):
                problems.append(f"{where}: classes and class_labels must be lists of text")
            if not (len(entry.get("colours", [])) == len(entry.get("widths", [])) == len(entry.get("class_labels", []))
                    == n):
                problems.append(f"{where}: give one colour, width and class label per road class")
        value_problems = _value_problems(where, entry)
        problems += value_problems
        if bad or value_problems:
            continue
        values = dict(entry)
        for key in ("colours", "score_bins", "departure_bins", "widths", "classes", "class_labels"):
            if key in values:
                values[key] = tuple(values[key])
        overlays.append(OverlaySpec(**values))
    if not overlays and not problems:
        problems.append("no [[overlay]] entries")
    gtfs = data.get("gtfs", {})
    travel = data.get("travel_time", {})
    time_bins = tuple(travel.get("bins", (30, 45, 60, 90)))
    time_colours = tuple(travel.get("colours", ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")))
    if len(time_colours) != len(time_bins) + 1:
        problems.append("travel_time: give one colour more than bins")
    bad_colours = _bad_colours([*time_colours, travel.get("unreachable", "#969696")])
    if bad_colours:
        problems.append(f"travel_time: {', '.join(bad_colours)} is not a CSS colour (#rrggbb, a name, rgb() or hsl())")
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in time_bins):
        problems.append("travel_time: bins must be numbers")
    try:
        Date.fromisoformat(str(gtfs.get("date", "2023-02-14")))
    except ValueError:
        problems.append(f"gtfs.date {gtfs.get('date')!r} is not a date YYYY-MM-DD")
    if problems:
        raise ConfigError(f"Map spec `{candidate.name}`: {'; '.join(problems)}.")
    return MapSpec(
        title=data.get("title", "Strukturbild"),
        subtitle=data.get("subtitle", ""),
        schematic_note=data.get("schematic_note", ""),
        overlays=tuple(overlays),
        gtfs_date=str(gtfs.get("date", "2023-02-14")),
        exclude_route_types=tuple(int(t) for t in gtfs.get("exclude_route_types", (1501,))),
        time_bins=time_bins,
        time_colours=time_colours,
        unreachable_colour=travel.get("unreachable", "#969696"),
        path=candidate,
    )
