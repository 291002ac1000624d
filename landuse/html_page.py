"""One self-contained HTML page (Swedish, inline CSS, no external resources) for the reports landuse writes."""

from __future__ import annotations

__all__ = ["html_page"]

_PAGE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body{{font:15px/1.5 sans-serif;max-width:{width}px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0;font-size:13px}}
th,td{{border:1px solid #ccc;padding:2px 6px;text-align:left}}
th{{background:#f0f0f0}} img{{max-width:100%}} code{{background:#f4f4f4}}
{extra_css}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def html_page(title: str, body: str, *, max_width_px: int = 960, extra_css: str = "") -> str:
    """The page around ``body`` (already safe HTML).

    Parameters
    ----------
    title : str
        Page title, already HTML-escaped by the caller.
    body : str
        Safe HTML (rendered from escaped Markdown).
    max_width_px : int
        Width of the text column in CSS pixels.
    extra_css : str
        More CSS rules, e.g. for tables with maps.

    Returns
    -------
    str
        A complete, self-contained HTML5 document (UTF-8, inline CSS, no scripts).
    """
    return _PAGE.format(title=title, body=body, width=int(max_width_px), extra_css=extra_css)
