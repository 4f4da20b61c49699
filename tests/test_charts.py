"""Charts (virtualacademy/charts.py): real SVG from pygal with every value printed, a summary in words for the
image's alt text, the same numbers as a table, and the same chart drawn into a PDF by WeasyPrint."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET  # the SVG parsed here is the chart module's own output

import pytest
from flask import render_template_string
from pypdf import PdfReader
from weasyprint import HTML

from virtualacademy import charts
from virtualacademy.pdf import StaticFilesOnly, static_root

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314
    return [t.text.strip() for t in root.iter(f"{SVG}text") if t.text and t.text.strip()]


def test_a_bar_chart_is_svg_with_each_label_and_value_printed_and_no_script():
    chart = charts.bar("Learners by locality", [("Doncaster North", 120), ("Doncaster South", 80), ("Rotherham", 5)])
    svg = chart.svg()
    words = texts(svg)
    for expected in ("Doncaster North", "Doncaster South", "Rotherham", "120", "80", "5"):
        assert expected in words
    assert "<script" not in svg
    assert base64.b64decode(chart.data_uri().split(",", 1)[1]).decode() == svg


def test_labels_read_top_down_in_the_order_given():
    svg = charts.bar("Order", [("First", 3), ("Second", 2), ("Third", 1)]).svg()
    root = ET.fromstring(svg)  # noqa: S314
    labels = {}
    for text in root.iter(f"{SVG}text"):
        if text.text in ("First", "Second", "Third"):
            labels[text.text] = float(text.get("y"))
    assert labels["First"] < labels["Second"] < labels["Third"]


def test_pounds_and_percentages_read_as_people_write_them():
    money = charts.bar("Balances", [("North", 123_456), ("South", 49), ("East", -12_351)], format="pounds")
    # to the nearest pound, as the pages' captions say
    assert {"£1,235", "−£124"} <= set(texts(money.svg()))
    assert money.rows() == [("North", ["£1,235"]), ("South", ["£0"]), ("East", ["−£124"])]
    share = charts.bar("On time", [("North", 75), ("South", 12.5)], format="percent")
    assert {"75%", "12.5%"} <= set(texts(share.svg()))


def test_lines_differ_by_dash_not_colour_alone_and_have_a_legend():
    chart = charts.lines("On roll", ["Sep", "Oct", "Nov"], {"North": [10, 12, 13], "South": [8, 8, 9]})
    svg = chart.svg()
    assert "dasharray" in svg
    assert {"North (solid line)", "South (dashed line)", "Sep", "Nov"} <= set(texts(svg))
    assert chart.headings() == ["Group", "North", "South"]
    assert chart.rows()[0] == ("Sep", ["10", "8"])


def test_columns_group_several_series():
    chart = charts.columns("Joiners and leavers", ["Sep", "Oct"], {"Joiners": [4, 2], "Leavers": [1, 0]})
    assert {"Joiners", "Leavers", "4", "2", "1"} <= set(texts(chart.svg()))


def test_the_summary_says_the_chart_in_words_and_points_to_the_table_when_long():
    rows = [(f"Locality {n}", n) for n in range(1, 16)]
    summary = charts.bar("Learners", rows).summary()
    assert summary.startswith("Learners. Locality 1: 1; Locality 2: 2;")
    assert summary.endswith("and 3 more in the table below.")
    two = charts.lines("Roll", ["Sep"], {"North": [10], "South": [8]})
    assert two.summary() == "Roll. Sep: North 10, South 8."


def test_an_empty_chart_says_so():
    chart = charts.bar("Nothing", [("North", 0)], empty="No events in this period.")
    assert chart.is_empty
    assert chart.summary() == "Nothing: No events in this period."


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        charts.lines("Bad", ["a", "b", "c"], {"North": [1, 2]})


def test_the_figure_shows_the_image_with_its_summary_and_the_table(app):
    chart = charts.bar("Learners by locality", [("North", 12), ("South", 7)], unit="learners", label_heading="Locality")
    with app.test_request_context():
        html = render_template_string(
            '{% from "_macros/charts.html" import chart_figure %}{{ chart_figure("roll", chart) }}', chart=chart
        )
    assert 'alt="Learners by locality. North: 12; South: 7."' in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert '<th scope="col" class="govuk-table__header">Locality</th>' in html
    assert (
        '<th scope="row" class="govuk-table__header">South</th><td class="govuk-table__cell govuk-table__cell--numeric">7</td>'
        in html.replace("\n", "").replace("            ", "")
    )


def test_the_same_chart_draws_into_a_pdf(app):
    chart = charts.bar("Learners by locality", [("North", 12), ("South", 7)])
    with app.test_request_context():
        html = render_template_string(
            '<!DOCTYPE html><html lang="en-GB"><body><h1>Overview</h1>'
            '{% from "_macros/charts.html" import chart_figure %}{{ chart_figure("roll", chart, table_open=true) }}'
            "</body></html>",
            chart=chart,
        )
        root = static_root()
        body = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticFilesOnly(root)).write_pdf()
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Learners by locality" in text
    # the picture is drawn (as vector paths, its labels as text) as well as the table
    assert text.count("North") >= 2


def test_a_bar_value_starts_past_its_bar_with_room_kept_for_the_widest():
    chart = charts.bar("Balances", [("North", 160_000), ("South", 50_000)], format="pounds")
    root = ET.fromstring(chart.svg())  # noqa: S314
    values = [t for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert {t.text for t in values} == {"£1,600", "£500"}
    assert all(t.get("text-anchor") == "start" for t in values)
    assert chart._value_room() == 16 + 9 * len("£1,600")


def test_counts_step_in_whole_numbers():
    chart = charts.columns("Joiners and leavers", ["Sep", "Oct"], {"Joiners": [1, 0], "Leavers": [0, 1]})
    assert not {"0.2", "0.5", "0.8"} & set(texts(chart.svg()))


def test_the_same_figures_are_drawn_once_and_different_figures_afresh():
    first = charts.bar("Learners by locality", [("North", 3), ("South", 5)])
    again = charts.bar("Learners by locality", [("North", 3), ("South", 5)])
    other = charts.bar("Learners by locality", [("North", 3), ("South", 6)])
    assert first is not again and first == again
    assert first.svg() is again.svg()  # the picture drawn for the first is reused
    assert other.svg() != first.svg() and ">6<" in other.svg()
