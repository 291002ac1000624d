"""The narrative notebooks run top to bottom on the embedded data (nbclient, a fresh kernel each).

The schematic checks read the executed OUTPUTS only, and only marks the library
produces: the ``schematic`` columns of the tables landuse returns and the
"(schematisk)" labels of the map it draws.  The notebooks' own words
("schematisk" in markdown, ``.assign(underlag="schematisk")`` in code) do not count,
so removing the mark from the library fails these tests.
"""

from __future__ import annotations

import re

from html.parser import HTMLParser
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01_malkonflikter.ipynb", "02_tillganglighet.ipynb", "03_strukturbild.ipynb"]

nbformat = pytest.importorskip("nbformat", reason="nbformat is a test dependency: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="nbclient is a test dependency: pip install -e '.[test]'")

#: Catalogue layers taken from real sources (SCB, Länstrafiken, Lantmäteriet's military areas);
#: every other layer the notebook lists is a schematic stand-in (riksintressen, jordbruksmark, bostäder).
REAL_LAYERS = {"kommuner", "lan", "tatorter", "centralorter", "hallplatser", "militara_omraden"}


class _Tables(HTMLParser):
    """The <table>s of an HTML output as lists of rows of cell texts (pandas' to_html layout)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):  # noqa: ANN001
        if self._cell is not None:
            self._cell.append(data)


def _outputs(book) -> list[dict]:  # noqa: ANN001 - a nbformat notebook
    return [out for cell in book.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def _frames(book, *columns: str) -> list[list[dict[str, str]]]:  # noqa: ANN001
    """Every HTML table in the outputs whose header holds ``columns``, as records."""
    found = []
    for out in _outputs(book):
        parser = _Tables()
        parser.feed(out.get("data", {}).get("text/html", ""))
        for rows in parser.tables:
            header, body = rows[0], rows[1:]
            if set(columns) <= set(header):
                found.append([dict(zip(header, row)) for row in body])
    return found


def _one_frame(book, *columns: str) -> list[dict[str, str]]:  # noqa: ANN001
    frames = _frames(book, *columns)
    assert len(frames) == 1, f"expected one output table with columns {columns}, found {len(frames)}"
    assert frames[0], f"the output table with columns {columns} is empty"
    return frames[0]


def _check_malkonflikter(book) -> None:  # noqa: ANN001
    layers = _one_frame(book, "name", "theme", "schematic", "feature_count")
    flags = {row["name"]: row["schematic"] for row in layers}
    assert REAL_LAYERS <= set(flags)
    assert {name for name, flag in flags.items() if flag == "False"} == REAL_LAYERS
    assert {name for name, flag in flags.items() if flag == "True"} == set(flags) - REAL_LAYERS
    pairs = _one_frame(book, "theme_a", "theme_b", "weight", "area_km2", "schematic")
    assert len(pairs) == 10 and {row["schematic"] for row in pairs} == {"True"}
    hotspots = _one_frame(book, "kommun", "themes", "score", "schematic")
    assert len(hotspots) == 5 and {row["schematic"] for row in hotspots} == {"True"}
    # the notebook writes the words, the library the flag after them
    printed = "".join(str(out.get("text", "")) for out in _outputs(book) if out.get("output_type") == "stream")
    assert "schematiskt underlag: True" in printed


def _check_strukturbild(book) -> None:  # noqa: ANN001
    code = "\n".join(cell.source for cell in book.cells if cell.cell_type == "code")
    assert "schematisk" not in code.lower()  # so every mark below comes from landuse
    maps = [out["data"]["text/html"] for out in _outputs(book) if "srcdoc=" in out.get("data", {}).get("text/html", "")]
    assert len(maps) == 1
    # the legend of every schematic theme layer (labels as cell 1 prints them, unmarked)
    for label in ("Rennäring (riksintresse)", "Jordbruksmark", "Bostäder och bebyggelse",
                  "Energiproduktion – vindbruk (riksintresse)"):
        assert f"{label} (schematisk)" in maps[0], label
    assert "lu-schematic" in maps[0]  # the map's schematic-data note
    # the car engine's real network as stråk, not marked schematic (the label is the spec's, the mark the library's)
    assert "Huvudvägar (Lantmäteriet)" in maps[0] and "Huvudvägar (Lantmäteriet) (schematisk)" not in maps[0]
    assert "Inom 60 min med bil från centralorten (schematisk)" not in maps[0]
    assert "Lantmäteriet Topografi 250, huvudvägnät" in maps[0]


def _check_tillganglighet(book) -> None:  # noqa: ANN001
    printed = "".join(str(out.get("text", "")) for out in _outputs(book) if out.get("output_type") == "stream")
    # the library's own network line: Lantmäteriet's main roads (the GTFS stand-in would say "GTFS stand-in")
    network = [line for line in printed.splitlines() if line.startswith("network: ")]
    assert len(network) == 1 and network[0].startswith("network: Lantmäteriet Topografi 250"), printed
    assert "RoadNetwork(" in printed and ", schematic:" not in printed  # the network's repr: no schematic flag
    car_lines = [line for line in printed.splitlines() if re.match(r"\s*(county 25|25\d\d) ", line)]
    assert len(car_lines) == 15, printed  # the county and the 14 kommuner, as access.summary_lines prints them
    assert not any("schematisk" in line or "schematic" in line for line in car_lines), printed
    assert all("inhabitants:" in line for line in car_lines), printed  # the bounds over everybody
    assert re.search(r"^approximate: [\d,]+ people", printed, re.M), printed
    flags = _one_frame(book, "kommun_code", "share_within", "schematiskt_vagnat")
    assert {row["schematiskt_vagnat"] for row in flags} == {"False"}  # the network's own flag
    county = _one_frame(book, "fardsatt", "population_total", "share_within", "share_lower", "share_upper")
    assert [row["fardsatt"] for row in county] == ["bil", "kollektivtrafik"]
    for row in county:
        lower, share, upper = (float(row[c]) for c in ("share_lower", "share_within", "share_upper"))
        assert 0 < lower < share <= upper <= 1, row
    tables = _frames(book, "kommun_code", "minutes", "population_within", "share_within")
    transit = [rows for rows in tables if "schematiskt_vagnat" not in rows[0]]
    assert len(transit) == 1 and len(transit[0]) == 15
    assert not any("schematisk" in " ".join(row.values()).lower() for row in transit[0])  # real data: no mark


#: Library-made schematic marks each notebook must show.
LIBRARY_MARKS = {"01_malkonflikter.ipynb": _check_malkonflikter, "02_tillganglighet.ipynb": _check_tillganglighet,
                 "03_strukturbild.ipynb": _check_strukturbild}


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name, tmp_path):
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    # committed without outputs: the notebooks are narratives, outputs come from running them
    assert all(not cell.get("outputs") for cell in book.cells if cell.cell_type == "code")
    code = "\n".join(cell.source for cell in book.cells if cell.cell_type == "code")
    assert "import landuse" in code or "from landuse" in code
    assert "\ndef " not in "\n" + code and "\nclass " not in "\n" + code  # defines nothing landuse needs
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [out for out in _outputs(book) if out.get("output_type") == "error"]
    assert errors == []
    text = "\n".join(str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
                     for out in _outputs(book))
    assert text.strip()
    if name in LIBRARY_MARKS:
        LIBRARY_MARKS[name](book)
