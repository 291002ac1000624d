"""Schematic evidence for ``datapackage.json``: does an output file rest on schematic input, and why.

Read from the files themselves (a ``schematic`` column, "(schematisk)" names and marks,
"SCHEMATIC" in a layer description), never from a list of file names.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable

#: Marks the engines put on schematic outputs: "APPROXIMATE/SCHEMATIC" in layer
#: descriptions, "(schematisk)", "(bil: schematisk)" and "[schematisk]" next to figures.
DESCRIPTION_MARK = re.compile(r"\bSCHEMATIC\b|[(\[][^()\[\]\n]{0,60}\bschematisk[)\]]")
TEXT_MARK = re.compile(r"[(\[][^()\[\]<>\n]{0,60}\bschematisk[)\]]")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?[^)]*\)")


def _read_text(path: Path) -> str:
    """A text file's content (UTF-8, undecodable bytes replaced)."""
    return path.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Evidence:
    """Whether a file rests on schematic input, and why (``reason`` empty when not)."""

    schematic: bool
    reason: str = ""

    def as_properties(self) -> dict[str, Any]:
        return {"schematic": self.schematic, **({"schematicReason": self.reason} if self.reason else {})}


def _count_where(path: Path, layer: str, condition: str) -> int:
    """Features of a GeoPackage layer matching an SQL ``condition`` (SQLite dialect)."""
    import pyogrio

    quoted = layer.replace('"', '""')
    sql = f'SELECT COUNT(*) AS n FROM "{quoted}" WHERE {condition}'
    frame = pyogrio.read_dataframe(path, sql=sql, read_geometry=False)
    return int(frame["n"].iloc[0]) if len(frame) else 0


def layer_evidence(path: Path, layer: str, info: dict[str, Any]) -> Evidence:
    """Schematic evidence of one GeoPackage layer: the ``schematic`` column, names, the description."""
    fields = set(info["fields"])
    reasons = []
    if "schematic" in fields:
        n = _count_where(path, layer, '"schematic" = 1')
        if n:
            reasons.append(f"{n} of {info['features']} features have schematic=True")
    if "name" in fields and not reasons:
        n = _count_where(path, layer, "\"name\" LIKE '%(schematisk)'")
        if n:
            reasons.append(f"{n} of {info['features']} feature names end in \"(schematisk)\"")
    description = (info.get("layer_metadata") or {}).get("DESCRIPTION") or ""
    if DESCRIPTION_MARK.search(description):
        sentence = next(s for s in re.split(r"(?<=\.)\s+", description) if DESCRIPTION_MARK.search(s))
        reasons.append(f"its description says \"{sentence[:160]}\"")
    return Evidence(bool(reasons), "; ".join(reasons))


def text_evidence(path: Path) -> Evidence:
    """Schematic evidence of a report or map: figures and labels marked "(schematisk)"."""
    marks = TEXT_MARK.findall(_read_text(path))
    if not marks:
        return Evidence(False)
    return Evidence(True, f"{len(marks)} figures or labels in it are marked schematic, e.g. {marks[0]!r}")


class _ImageAlts(HTMLParser):
    """Collects ``(src, alt)`` of every ``<img>`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = dict(attrs)
            self.images.append((values.get("src") or "", values.get("alt") or ""))


def image_references(texts: Iterable[Path]) -> dict[str, list[tuple[str, str]]]:
    """Image file name -> ``(document, alt text)`` of every reference in the Markdown/HTML files."""
    refs: dict[str, list[tuple[str, str]]] = {}
    for doc in texts:
        content = _read_text(doc)
        if doc.suffix.lower() == ".md":
            pairs = [(src, alt) for alt, src in _MD_IMAGE.findall(content)]
        else:
            parser = _ImageAlts()
            parser.feed(content)
            pairs = parser.images
        for src, alt in pairs:
            refs.setdefault(Path(src).name, []).append((doc.name, alt))
    return refs


def image_evidence(path: Path, refs: dict[str, list[tuple[str, str]]]) -> Evidence:
    """A chart is schematic when a document shows it under a caption marked "(schematisk)"."""
    for doc, alt in refs.get(path.name, []):
        if TEXT_MARK.search(alt):
            return Evidence(True, f"{doc} shows it as {alt!r}")
    return Evidence(False)


def companion(path: Path, gpkgs: Iterable[Path]) -> Path | None:
    """The GeoPackage written by the same engine: its stem equals ``path``'s or prefixes it before a "_"."""
    stem = path.stem
    matches = [g for g in gpkgs if g != path and (stem == g.stem or stem.startswith(g.stem + "_"))]
    return max(matches, key=lambda g: len(g.stem), default=None)


def csv_column_evidence(path: Path, header: list[str]) -> Evidence | None:
    """Evidence from a CSV's own ``schematic`` column (None when it has none)."""
    if "schematic" not in header:
        return None
    column = header.index("schematic")
    total = flagged = 0
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            total += 1
            flagged += len(row) > column and row[column].strip().lower() in {"true", "1"}
    return Evidence(bool(flagged), f"{flagged} of {total} rows have schematic=True" if flagged else "")
