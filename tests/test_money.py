"""Money (virtualacademy/money.py): one module turns pence into pounds for pages, PDFs, messages, commands, CSV
cells and form boxes, each in the form it has always had."""

from __future__ import annotations

from decimal import Decimal

from virtualacademy import csv_export, money


def test_pounds_on_pages_and_in_pdfs():
    assert [money.pounds(p) for p in (123456, 5, 0, -250, 100_000_000_00)] == [
        "£1,234.56",
        "£0.05",
        "£0.00",
        "\u2212£2.50",
        "£100,000,000.00",
    ]
    assert money.pounds(None) == ""


def test_the_template_filter_is_the_one_format(app):
    with app.app_context():
        assert app.jinja_env.filters["money"] is money.pounds
        rendered = app.jinja_env.from_string("{{ a | money }}|{{ b | money }}|{{ c | money }}").render(
            a=123456, b=-250, c=None
        )
    assert rendered == "£1,234.56|\u2212£2.50|"


def test_plain_text_keeps_a_hyphen_for_a_minus():
    assert money.pounds(-250, ascii_minus=True) == "-£2.50"
    assert [money.pounds_text(p) for p in (123456, -250)] == ["£1,234.56", "-£2.50"]


def test_whole_pounds_for_charts():
    assert [money.whole_pounds(p) for p in (12349, 12350, 0, 49)] == [123, 124, 0, 0]
    assert [money.pounds(p, whole=True) for p in (123400, 0, -500)] == ["£1,234", "£0", "\u2212£5"]


def test_csv_cells_are_numbers():
    assert csv_export.pounds is money.pounds_number
    assert [money.pounds_number(p) for p in (-1250, 0, 5)] == [Decimal("-12.50"), Decimal("0.00"), Decimal("0.05")]


def test_pounds_as_typed_in_a_form():
    assert [money.pounds_typed(p) for p in (600000, 100001, 5, 0, None)] == ["6000", "1000.01", "0.05", "", ""]
    assert [money.pounds_typed(p, always_pence=True) for p in (4550, 600000, 0, None)] == [
        "45.50",
        "6000.00",
        "0.00",
        "",
    ]
