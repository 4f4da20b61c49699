"""Finding a chart on a page drawn with ``chart_figure`` (templates/_macros/charts.html): the figure captioned so,
its image's alt text (the chart in words) and the SVG the image shows, with the words drawn in it."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET  # the SVG parsed here is the chart module's own output
from html import unescape

from markupsafe import escape

SVG = "{http://www.w3.org/2000/svg}"


def chart_on(page: str, caption: str) -> tuple[str, str]:
    """The chart captioned ``caption``: its alt text and its SVG (which carries no script)."""
    figure = re.search(
        rf'<figure class="va-chart"[^>]*>\s*<figcaption[^>]*>{re.escape(str(escape(caption)))}</figcaption>(.*?)</figure>',
        page,
        re.S,
    )
    assert figure, f"no chart {caption!r}"
    image = re.search(
        r'<img class="va-chart__image" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">',
        figure.group(1),
    )
    assert image, f"the chart {caption!r} has no image"
    svg = base64.b64decode(image.group(1)).decode()
    assert svg.startswith("<svg") and "<script" not in svg
    return unescape(image.group(2)), svg


def svg_words(svg: str) -> set[str]:
    """Every label, value and legend the SVG draws as text."""
    root = ET.fromstring(svg)  # noqa: S314
    return {t.text.strip() for t in root.iter(f"{SVG}text") if t.text and t.text.strip()}


def chart_table(page: str, caption: str) -> dict[str, list[str]]:
    """The table under the chart captioned ``caption``: each row's label -> its values, as shown."""
    table = re.search(
        rf"<caption [^>]*>{re.escape(str(escape(caption)))}</caption>\s*<thead.*?</thead>(.*?)</tbody>", page, re.S
    )
    assert table, f"no table under the chart {caption!r}"
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows
