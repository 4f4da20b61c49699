"""Hostile input handled once (virtualacademy/inputs.py and the shared form class): ids beyond what the
database holds in any address, page numbers and integer query parameters that are nonsense or huge, far-off dates on the
pages that once crashed on them, and control characters in every text field."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import (
    FundingYearFactory,
    GuardianFactory,
    LearnerFactory,
    UserFactory,
)
from virtualacademy import inputs
from virtualacademy.blueprints.forms_common import Form
from virtualacademy.models import AgreedAction, Locality, OtherAdult, Role

HUGE = [str(2**31), str(2**63), str(2**64), "9" * 40, "9" * 5000]


def signed_in(app, *roles: Role):
    client = app.test_client()
    user = UserFactory(roles=list(roles))
    assert sign_in(client, user.email).status_code == 302
    return client, user


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        slots = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if slots:
            yield rule, slots


# --- ids in addresses ------------------------------------------------------------------------------------------


def test_every_int_in_every_route_is_read_by_the_bounded_converter(app):
    routes = list(_int_routes(app))
    assert len(routes) > 60  # every blueprint's <int:...> routes
    for rule, slots in routes:
        for name in slots:
            converter = rule._converters[name]
            assert isinstance(converter, inputs.IdConverter), rule
            assert converter.max == inputs.MAX_ID, rule


def test_every_id_column_holds_the_largest_id_read(app):
    """Ids are 32-bit integers in PostgreSQL (a 64-bit id would let MAX_ID grow)."""
    from sqlalchemy import BigInteger, Integer

    from virtualacademy.models import Base

    for table in Base.metadata.tables.values():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):
                largest = 2**63 - 1 if isinstance(column.type, BigInteger) else 2**31 - 1
                assert largest >= inputs.MAX_ID, column


def test_an_id_beyond_a_64_bit_integer_in_any_address_is_a_404(app, db_session):
    client, _admin = signed_in(app, Role.ADMIN)
    failures = []
    for rule, slots in _int_routes(app):
        for huge in HUGE:
            path = rule.rule
            for name in slots:
                path = re.sub(r"<int(\([^)]*\))?:" + name + ">", huge, path)
            path = re.sub(r"<[^>]+>", "x", path)  # any other part of the address
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                token = csrf_token(client, "/dashboard") if method != "GET" else None
                response = client.open(path, method=method, data={"csrf_token": token} if token else None)
                if response.status_code != 404:
                    failures.append(f"{method} {path[:80]}: {response.status_code}")
    assert failures == []


def test_the_largest_id_is_still_read_as_an_id(app, db_session):
    client, _admin = signed_in(app, Role.ADMIN)
    assert client.get(f"/admin/users/{inputs.MAX_ID}").status_code == 404  # a lookup that finds nothing
    assert client.get(f"/learners/{inputs.MAX_ID}").status_code == 404
    assert client.get("/admin/users/٣").status_code == 404  # digits of another script are not an id


@pytest.mark.parametrize(
    ("text", "number"),
    [("7", 7), (" 12 ", 12), ("0", None), ("-3", None), ("x", None), ("", None), (None, None), ("٣", None)]
    + [(huge, None) for huge in HUGE]
    + [(str(2**31 - 1), 2**31 - 1), (2**31, None), (5, 5), (True, None)],
)
def test_integer_query_parameters_are_whole_numbers_in_range_or_nothing(text, number):
    assert inputs.to_int(text) == number


# --- page numbers ------------------------------------------------------------------------------------------------


LIST_PAGES = [
    "/admin/users",
    "/admin/audit",
    "/applications",
    "/learners",
    "/notifications/",
    "/safeguarding/",
    "/mentoring/unassigned",
    "/funding/requests",
    "/funding/transfers",
    "/learning/log",
]


@pytest.mark.parametrize("page", [*HUGE, str(2**63 - 1), "10000001", "-1", "0", "two", "1e3", " 2 "])
def test_a_page_number_that_is_nonsense_or_huge_is_never_an_error(app, db_session, page):
    client, _admin = signed_in(app, Role.ADMIN)
    for path in LIST_PAGES:
        response = client.get(path, query_string={"page": page, "per_page": page})
        assert response.status_code == 200, path


def test_page_numbers_are_read_once_for_every_list(app):
    with app.test_request_context("/?page=3"):
        assert inputs.page_arg() == 3
    for nonsense in ("x", "-1", "0", "", "1.5", "٣"):
        with app.test_request_context("/", query_string={"page": nonsense}):
            assert inputs.page_arg() == 1
    for huge in HUGE:
        with app.test_request_context("/", query_string={"page": huge}):
            assert inputs.page_arg() == inputs.MAX_PAGE


def test_integer_filters_beyond_an_id_are_ignored(app, db_session):
    client, _admin = signed_in(app, Role.ADMIN)
    learner = LearnerFactory()
    FundingYearFactory()
    for huge in HUGE:
        assert client.get("/applications", query_string={"locality": huge}).status_code == 200
        assert client.get("/funding/transfers", query_string={"year": huge}).status_code == 200
        assert client.get("/safeguarding/raise", query_string={"learner": huge}).status_code == 200
    assert client.get("/funding/transfers", query_string={"account": "core\x00"}).status_code == 200
    assert client.get("/safeguarding/raise", query_string={"learner": learner.id}).status_code == 200


def test_hidden_ids_and_versions_beyond_an_id_are_ignored(app, db_session):
    guardian = GuardianFactory(family=LearnerFactory().family)
    learner = guardian.family.learners[0]
    client = app.test_client()
    assert sign_in(client, guardian.user.email).status_code == 302
    for huge in HUGE:
        path = f"/learning/learners/{learner.id}/portfolio/new"
        assert client.get(path, query_string={"entry": huge}).status_code == 200
        posted = post_form(
            client, path, {"title": "Map", "url": "https://example.org/map", "is_draft": "no", "log_entry_id": huge}
        )
        assert posted.status_code == 302
        plan = post_form(client, f"/learning/learners/{learner.id}/plan/edit", {"interests": "Maps", "based_on": huge})
        assert plan.status_code == 302


# --- far-off dates -----------------------------------------------------------------------------------------------

FAR_YEARS = ["10000", "99999999999", "9" * 30, "2200"]


@pytest.mark.parametrize("year", FAR_YEARS)
def test_a_childs_date_of_birth_with_a_far_off_year_is_a_form_error(app, client, db_session, year):
    path = "/apply/your-details"
    client.post(path, data={"name": "Jo", "email": "jo@example.com", "csrf_token": csrf_token(client, path)})
    path = "/apply/children/add"
    data = {"legal_name": "Robin", "date_of_birth": ["1", "1", year], "reason": "health", "send_status": "none"}
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert "Date of birth must be a real date, like 27 3 2026" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", FAR_YEARS)
def test_the_audit_logs_date_filter_with_a_far_off_year_is_a_form_error(app, db_session, year):
    client, _admin = signed_in(app, Role.ADMIN)
    response = client.get(
        "/admin/audit", query_string=[("date_from", "1"), ("date_from", "1"), ("date_from", year), ("date_to", "")]
    )
    assert response.status_code == 200
    assert "From must be a real date, like 27 3 2026" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", FAR_YEARS)
def test_contact_by_mentors_start_date_with_a_far_off_year_is_a_form_error(app, db_session, year):
    client, _admin = signed_in(app, Role.ADMIN)
    response = client.get("/overview/mentors", query_string=[("start", "1"), ("start", "1"), ("start", year)])
    assert response.status_code == 200
    assert "must be a real date, like 27 3 2026" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", FAR_YEARS)
def test_a_check_in_actions_due_date_with_a_far_off_year_is_a_form_error(app, db_session, year):
    client, _admin = signed_in(app, Role.ADMIN)
    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    path = f"/caseload/learners/{learner.id}/check-in"
    data = {
        "occurred_on": ["1", "3", "2027"],
        "occurred_time": "10:00",
        "method": "phone",
        "with_whom": "both",
        "contact_made": "yes",
        "action_1_text": "Visit the museum",
        "action_1_owner": "learner",
        "action_1_due": ["1", "1", year],
    }
    response = post_form(client, path, data, path)
    assert response.status_code == 200
    assert "Action 1 due by (optional) must be a real date" in response.get_data(as_text=True)
    assert db_session.scalars(select(AgreedAction)).all() == []


# --- text ---------------------------------------------------------------------------------------------------------


def test_control_characters_leave_text_but_line_breaks_stay_in_multi_line_text():
    assert inputs.clean_text("Ro\x00bin\x07 \x1bEx\x7fample\x85") == "Robin Example"
    assert inputs.clean_text("one\nline\ttab\r\n") == "one line tab  "
    assert inputs.clean_text("evil\u202egnp.exe \u2066x\u2069") == "evilgnp.exe x"
    assert inputs.clean_text("Zoë 😀 مرحبا \u200d") == "Zoë 😀 مرحبا \u200d"  # letters, emoji and joiners stay
    assert inputs.clean_text("a\r\nb\tc\x00\u2028d", multiline=True) == "a\r\nb\tc\nd"
    assert inputs.clean_text(None) is None and inputs.clean_text(3) == 3


def _all_form_classes() -> set[type]:
    found, queue = set(), [FlaskForm]
    while queue:
        for sub in queue.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                queue.append(sub)
    return {cls for cls in found if cls.__module__.startswith("virtualacademy.")}


def test_every_form_in_the_product_uses_the_shared_form_class(app):
    forms = _all_form_classes()
    assert len(forms) > 60
    assert sorted(f"{c.__module__}.{c.__name__}" for c in forms if not issubclass(c, Form)) == []


def test_every_text_field_of_every_form_is_cleaned(app):
    from wtforms import PasswordField, StringField, TextAreaField

    checked = 0
    with app.test_request_context("/", method="POST"):
        for cls in _all_form_classes():
            form = cls(meta={"csrf": False})
            for field in form:
                if isinstance(field, StringField) and not isinstance(field, PasswordField):
                    multi = isinstance(field, TextAreaField)
                    expected = inputs.clean_multi_line if multi else inputs.clean_one_line
                    assert field.filters[0] is expected, f"{cls.__name__}.{field.name}"
                    checked += 1
    assert checked > 100


def test_a_nul_in_a_name_is_never_stored_and_a_note_keeps_its_lines(app, db_session):
    client, _admin = signed_in(app, Role.ADMIN)
    response = post_form(client, "/localities/new", {"name": "North\x00 \u202eside", "districts": "DN1"})
    assert response.status_code == 302
    assert db_session.scalar(select(Locality.name).where(Locality.name.like("North%"))) == "North side"

    learner = LearnerFactory(enrolled=date(2026, 9, 1))
    path = f"/caseload/learners/{learner.id}/adults"
    data = {"name": "Sam\x00 Tutor", "role": "tutor", "organisation": "\x1b[31mMaths", "starts_on": ["1", "3", "2027"]}
    assert post_form(client, path, data, f"/caseload/learners/{learner.id}").status_code == 302
    adult = db_session.scalar(select(OtherAdult))
    assert (adult.name, adult.organisation) == ("Sam Tutor", "[31mMaths")

    withdrawn = post_form(
        client,
        f"/learners/{learner.id}/withdraw",
        {
            "withdrawal_date": ["1", "3", "2027"],
            "reason": "moved_out_of_area",
            "note": "Moved\x00 away.\r\nNew address\tknown.",
        },
    )
    assert withdrawn.status_code == 302
    assert learner.enrolments[-1].withdrawal_note == "Moved away.\r\nNew address\tknown."
