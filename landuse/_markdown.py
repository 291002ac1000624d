"""Markdown for the two reports (``rapport.md``, ``op_check.md``): escaped text, tables, and the HTML.

Names in the reports come from input files, so every one is escaped before it reaches
Markdown, and the HTML is rendered with Markdown's raw-HTML pass-through turned off.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

__all__ = ["Md", "markdown_to_html", "md_code", "md_strong", "md_table", "md_text"]


class Md(str):
    """Markdown that is already safe (built from :func:`md_text` fragments): not escaped again."""


#: Characters Markdown reads as emphasis, code, links or table cells; backslash-escaped in names.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


def md_text(value: object) -> Md:
    """``value`` (text from an input file or the catalogue) as Markdown that renders as exactly that text.

    HTML is escaped (Markdown passes raw HTML through), Markdown syntax is
    backslash-escaped (a name must not become a link or emphasis), ``|`` becomes
    ``&#124;`` (it would split a table cell) and line breaks become spaces (they would
    end a table row).  Already safe :class:`Md` passes unchanged.

    Parameters
    ----------
    value : object
        Any value; shown as ``str(value)``.

    Returns
    -------
    Md

    Examples
    --------
    >>> md_text("a_b | <c>")
    'a\\\\_b &#124; &lt;c&gt;'
    """
    if isinstance(value, Md):
        return value
    text = html.escape(" ".join(str(value).splitlines()), quote=True)
    return Md(_MD_SPECIAL.sub(r"\\\1", text).replace("|", "&#124;"))


def md_strong(value: object) -> Md:
    """``value`` escaped (:func:`md_text`) and in bold.

    Parameters
    ----------
    value : object
        Shown as ``str(value)``.

    Returns
    -------
    Md
    """
    return Md(f"**{md_text(value)}**")


def md_code(value: object) -> Md:
    """``value`` as a code span, fenced by more backticks than it holds (a file name may hold some).

    Parameters
    ----------
    value : object
        Shown as ``str(value)``, verbatim.

    Returns
    -------
    Md
    """
    text = str(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return Md(f"{fence} {text} {fence}")


def md_table(header: list[str], rows: Iterable[list[object]], align: str = "") -> list[str]:
    """A Markdown table as lines, every cell escaped with :func:`md_text`.

    Parameters
    ----------
    header : list of str
        Column headings.
    rows : iterable of lists
        The cells of each row (:class:`Md` cells pass unescaped).
    align : str
        ``l`` or ``r`` per column; default every column left.

    Returns
    -------
    list of str
        The header line, the rule and one line per row.
    """
    rule = ["---:" if a == "r" else "---" for a in align.ljust(len(header), "l")]
    out = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(md_text(cell) for cell in row) + " |" for row in rows]
    return out


def markdown_to_html(text: str) -> str:
    """A report's Markdown as HTML, with raw HTML shown as text.

    The reports hold no HTML of their own, so Markdown's raw-HTML pass-through is
    turned off: should a name from an input reach the text unescaped, it still cannot run.

    Parameters
    ----------
    text : str
        Markdown with tables.

    Returns
    -------
    str
        The HTML body (no ``<html>`` page around it; see :func:`landuse.html_page.html_page`).
    """
    import markdown

    md = markdown.Markdown(extensions=["tables"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)
