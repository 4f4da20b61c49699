"""Charts drawn on the server as SVG with pygal, so the same picture appears on a page and in a PDF.

A :class:`Chart` holds what it shows (a caption, the labels along one axis, one or more named series of numbers,
how the numbers read: a count, pounds or a percentage) and gives:

- :meth:`Chart.svg`: the SVG pygal draws (its styles inside it, no script);
- :meth:`Chart.data_uri`: the SVG as a ``data:`` address for an ``<img>``, which the page's Content Security
  Policy allows (``img-src 'self' data:``) and WeasyPrint draws in PDFs; an image keeps the chart's own styles
  and ids out of the page (two charts on a page never share an id);
- :meth:`Chart.summary`: the chart in words for the image's ``alt`` text;
- :meth:`Chart.rows`: the same numbers as rows of a table, shown under every chart
  (``templates/_macros/charts.html``: ``chart_figure``).

Nothing is said by colour alone: every value is printed on its bar or point, each series of a line chart has its
own dash and dot shape, and the legend names them. The colours are GOV.UK's, dark enough against white.
"""

from __future__ import annotations

import base64
import re
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache

import pygal
from pygal.style import Style

from virtualacademy.money import pounds, whole_pounds

#: GOV.UK colours, each with at least 4.5:1 contrast on white: blue, orange (dark), green, purple, red.
COLOURS = ("#1d70b8", "#b14b00", "#00703c", "#4c2c92", "#d4351c")
#: Each line's dash, so that two lines differ without colour.
DASHES = ("", "8, 4", "2, 4", "12, 4, 2, 4", "4, 4")
#: What the legend calls each dash.
DASH_NAMES = ("solid line", "dashed line", "dotted line", "dash-dot line", "short dashes")

# pygal adds an import hook for its map plugins (unused here) that still has only the pre-3.4 ``find_module``:
# every failed import after it then warns (an error under the suite's strict warnings), so it goes.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

FORMATS = ("number", "pounds", "percent")

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
#: A value printed at the end of a horizontal bar: pygal centres it on the bar's end, half over the bar.
_BAR_VALUE = re.compile(r'<text text-anchor="middle"( x="[^"]*" y="[^"]*" class="value">)(?=[^<\-\u2212])')
#: Room for the widest printed value beyond the longest bar (15 px Arial: about 9 px a character).
_VALUE_CHAR_WIDTH = 9

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    font_family="Arial, Helvetica, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    legend_font_size=15,
    title_font_size=17,
    value_colors=("#0b0c0c",),
)


def format_value(value: float | int | None, kind: str = "number") -> str:
    """A number as the chart and its table show it: ``1,234``, ``£1,235`` (pence given, to the nearest pound) or
    ``75%``."""
    if value is None:
        return "none"
    if kind == "pounds":
        return pounds(whole_pounds(round(value)) * 100, whole=True)
    if kind == "percent":
        return f"{value:g}%"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | int | None, ...]


@dataclass(frozen=True)
class Chart:
    """One chart. ``kind``: ``bar`` (horizontal bars, one per label), ``column`` (vertical bars, a group per
    label, one bar per series) or ``line`` (a line per series along the labels, for figures over time)."""

    caption: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"
    #: How values read: ``number``, ``pounds`` (values in pence) or ``percent``.
    format: str = "number"
    #: What the numbers count, for the table's heading when there is one series ("learners").
    unit: str = "number"
    #: What the labels are, for the table's first heading ("Locality", "Month").
    label_heading: str = "Group"
    empty: str = "Nothing to show for this period yet."
    width: int = 520

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "column", "line"):
            raise ValueError(f"Unknown kind of chart: {self.kind}")
        if self.format not in FORMATS:
            raise ValueError(f"Unknown format: {self.format}")
        for one in self.series:
            if len(one.values) != len(self.labels):
                raise ValueError(f"Series {one.name} has {len(one.values)} values for {len(self.labels)} labels")

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(v in (None, 0) for s in self.series for v in s.values)

    def _value(self, value):
        return value if self.format != "pounds" or value is None else value / 100

    def _formatter(self, value) -> str:
        return format_value(value * 100 if self.format == "pounds" and value is not None else value, self.format)

    @cached_property
    def _svg(self) -> str:
        return _drawn(self)

    def _draw(self) -> str:
        many = len(self.series) > 1
        common = dict(
            style=_STYLE,
            js=[],
            disable_xml_declaration=True,
            show_legend=many,
            legend_at_bottom=True,
            legend_at_bottom_columns=min(len(self.series), 3),
            print_values=True,
            truncate_label=-1,
            truncate_legend=-1,
            value_formatter=self._formatter,
            width=self.width,
            explicit_size=False,
            margin=16,
            margin_right=self._value_room() if self.kind == "bar" else 48,
            show_y_guides=self.kind != "bar",
            show_x_guides=False,
            include_x_axis=True,
            no_data_text=self.empty,
            # counts and money step in whole numbers (no axis of 0.1, 0.2 ... for a handful of joiners)
            order_min=None if self.format == "percent" else 0,
        )
        if self.kind == "bar":
            height = 60 + 44 * max(len(self.labels), 1) * len(self.series) + (40 if many else 0)
            # the values are printed at the end of each bar: no value axis to crowd a narrow picture
            chart = pygal.HorizontalBar(height=height, print_values_position="top", show_x_labels=False, **common)
            # pygal draws the first label at the bottom: give them in reverse so the chart reads top down
            labels = list(reversed(self.labels))
            chart.x_labels = labels
            for one in self.series:
                chart.add(one.name, [self._value(v) for v in reversed(one.values)])
        else:
            height = 360 + (40 if many else 0)
            if self.kind == "column":
                chart = pygal.Bar(
                    height=height,
                    print_values_position="top",
                    x_label_rotation=0 if len(self.labels) <= 8 else 30,
                    **common,
                )
                for one in self.series:
                    chart.add(one.name, [self._value(v) for v in one.values])
            else:
                chart = pygal.Line(
                    height=height, x_label_rotation=0 if len(self.labels) <= 8 else 30, dots_size=5, **common
                )
                for n, one in enumerate(self.series):
                    dash = DASHES[n % len(DASHES)]
                    chart.add(
                        f"{one.name} ({DASH_NAMES[n % len(DASH_NAMES)]})" if many else one.name,
                        [self._value(v) for v in one.values],
                        stroke_style={"width": 3, "dasharray": dash} if dash else {"width": 3},
                    )
            chart.x_labels = list(self.labels)
        # pygal always writes a small configuration script for its tooltips: a chart shown as an image runs no
        # script, and a PDF none either, so it goes
        svg = _SCRIPT.sub("", chart.render(is_unicode=True))
        if self.kind == "bar":
            # each value starts just past its bar's end, clear of the bar, on white (the room is kept for it); a
            # negative one stays where pygal puts it, beside the axis
            svg = _BAR_VALUE.sub(r'<text text-anchor="start"\1', svg)
        return svg

    def _value_room(self) -> int:
        """The right margin of a horizontal bar chart: room for its widest printed value."""
        widest = max((len(self._formatter(self._value(v))) for s in self.series for v in s.values), default=1)
        return 16 + _VALUE_CHAR_WIDTH * widest

    def svg(self) -> str:
        return self._svg

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self._svg.encode()).decode("ascii")

    def summary(self, limit: int = 12) -> str:
        """The chart in words: its caption, then each label's values (the first ``limit`` of them)."""
        if self.is_empty:
            return f"{self.caption}: {self.empty}"
        parts = []
        for n, label in enumerate(self.labels[:limit]):
            values = ", ".join(
                f"{one.name} {format_value(one.values[n], self.format)}"
                if len(self.series) > 1
                else format_value(one.values[n], self.format)
                for one in self.series
            )
            parts.append(f"{label}: {values}")
        more = len(self.labels) - limit
        tail = f"; and {more} more in the table below" if more > 0 else ""
        return f"{self.caption}. " + "; ".join(parts) + tail + "."

    def headings(self) -> list[str]:
        return [self.label_heading, *([s.name for s in self.series] if len(self.series) > 1 else [self.unit])]

    def rows(self) -> list[tuple[str, list[str]]]:
        """Each label with its values formatted, for the table under the chart."""
        return [
            (label, [format_value(one.values[n], self.format) for one in self.series])
            for n, label in enumerate(self.labels)
        ]


@lru_cache(maxsize=512)
def _drawn(chart: Chart) -> str:
    """The chart's SVG, drawn once for the same figures: a page viewed again, or by another viewer with the same
    figures, reuses the picture (charts are values: same caption, labels and numbers, same picture)."""
    return chart._draw()


def bar(caption: str, rows: list[tuple[str, float | int | None]], **options) -> Chart:
    """Horizontal bars, one per (label, value) row."""
    return Chart(
        caption,
        tuple(label for label, _ in rows),
        (Series(options.pop("series_name", caption), tuple(value for _, value in rows)),),
        kind="bar",
        **options,
    )


def columns(caption: str, labels: list[str], series: dict[str, list], **options) -> Chart:
    """Vertical bars grouped by label, one bar per named series (joiners and leavers each month)."""
    return Chart(
        caption, tuple(labels), tuple(Series(n, tuple(v)) for n, v in series.items()), kind="column", **options
    )


def lines(caption: str, labels: list[str], series: dict[str, list], **options) -> Chart:
    """A line per named series along the labels (figures over time)."""
    return Chart(caption, tuple(labels), tuple(Series(n, tuple(v)) for n, v in series.items()), kind="line", **options)
