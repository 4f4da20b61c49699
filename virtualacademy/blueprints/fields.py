"""Form fields shared by every blueprint, in the GOV.UK style."""

from __future__ import annotations

from datetime import date, datetime

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


def date_parts(value: date) -> tuple[str, str, str]:
    """The product's one rule for filling a date's boxes: plain numbers, no leading zeros ("2", "3", "2026"),
    as in the GOV.UK pattern's own examples."""
    return str(value.day), str(value.month), str(value.year)


class _DateInput(GovDateInput):
    """GOV.UK date input whose Day box carries the field's id, so the error summary's link
    (``#<field id>``) moves focus into the date rather than to the wrapper around it.

    A date that was read is shown by :func:`date_parts` whether it was typed ("02") or filled in by the page; what
    could not be read as a date is shown exactly as it was typed, so nothing entered is lost."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params["id"] = f"{field.id}-date"
        params["items"][0]["id"] = field.id
        if isinstance(field.data, date) and not field.errors:
            for item, part in zip(params["items"], date_parts(field.data), strict=True):
                item["value"] = part
        return params


#: No date in the product is later than this: far-off years are typing mistakes, and dates near the end of the
#: calendar cannot have days added to them.
LATEST_YEAR = 2199


class GovDateField(DateField):
    """A day / month / year date input with plain-English errors.

    Handles a form posted (or a GET search) without the field at all, which the
    GOV.UK widget cannot render on its own.
    """

    widget = _DateInput()

    def __init__(self, label=None, validators=None, format="%d %m %Y", **kwargs):
        super().__init__(label, validators, format=format, **kwargs)

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data=data, extra_filters=extra_filters)
        if not self.raw_data or len(self.raw_data) != 3:
            self.raw_data = None if not self.raw_data else (list(self.raw_data) + ["", "", ""])[:3]

    def process_formdata(self, valuelist):
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        if len(valuelist) != 3 or not all(v.strip() for v in valuelist):
            self.data = None
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            day, month, year = (int(v.strip()) for v in valuelist)
            if year > LATEST_YEAR:
                raise ValueError("too far ahead")
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None
        if year < 1900:
            self.data = None
            raise ValueError(f"{self.label.text} must include a 4-digit year, like 2026")

    def _value(self):
        if isinstance(self.data, (date, datetime)):
            return " ".join(date_parts(self.data))
        return ""


# --- builders for the fields most forms repeat -----------------------------------------------------------------


def text_field(
    label: str,
    *,
    missing: str | None = None,
    limit: int,
    area: bool = False,
    description: str | None = None,
):
    """A GOV.UK text input (or textarea) with at most ``limit`` characters; required with the ``missing``
    message, or optional without one."""
    from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
    from wtforms import StringField, TextAreaField
    from wtforms.validators import InputRequired, Length, Optional

    too_long = f"Write {limit:,} characters or fewer"
    validators = [InputRequired(message=missing) if missing else Optional(), Length(max=limit, message=too_long)]
    kind, widget = (TextAreaField, GovTextArea()) if area else (StringField, GovTextInput())
    return kind(label, widget=widget, validators=validators, description=description)


def days_field(label: str, *, missing: str, most: int, least: int = 1):
    """A whole number of days from ``least`` to ``most``."""
    from govuk_frontend_wtf.wtforms_widgets import GovTextInput
    from wtforms import IntegerField
    from wtforms.validators import InputRequired, NumberRange

    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=missing),
            NumberRange(min=least, max=most, message=f"Enter a number of days from {least} to {most}"),
        ],
    )
