"""The cohort profile, against hand-counted cases."""

import csv
import io
from datetime import date

from tests.chart_pages import chart_on, chart_table, svg_words
from tests.conftest import sign_in
from tests.factories import LearnerFactory, LocalityFactory, UserFactory
from virtualacademy.models import EheReason, Enrolment, EnrolmentStatus, LocalityRole, LocalityStaff, Role, SendStatus
from virtualacademy.services import cohort

ON = date(2026, 11, 23)


def test_phase_is_by_age_on_31_august():
    assert cohort.phase(date(2015, 8, 31), ON) == "secondary"  # 11 on 31 Aug 2026
    assert cohort.phase(date(2015, 9, 1), ON) == "primary"  # 10 on 31 Aug 2026 (youngest in year 6)
    assert cohort.phase(date(2015, 9, 1), date(2027, 9, 1)) == "secondary"


def build(ctx):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    LearnerFactory(
        locality=north,
        reason=EheReason.HEALTH,
        send_status=SendStatus.EHCP,
        fsm_eligible=True,
        date_of_birth=date(2012, 1, 1),
        enrolled=date(2026, 9, 1),
    )
    LearnerFactory(
        locality=north,
        reason=EheReason.HEALTH,
        fsm_eligible=False,
        date_of_birth=date(2018, 1, 1),
        enrolled=date(2026, 10, 15),
    )
    LearnerFactory(
        locality=south,
        reason=EheReason.PHILOSOPHICAL,
        fsm_eligible=True,
        date_of_birth=date(2019, 5, 5),
        enrolled=date(2025, 12, 1),
    )
    # left in October: counts as a leaver, not on roll
    leaver = LearnerFactory(locality=south, reason=EheReason.OTHER, enrolled=False)
    ctx.add(
        Enrolment(
            learner=leaver,
            locality_id=south.id,
            status=EnrolmentStatus.WITHDRAWN,
            start_date=date(2026, 1, 10),
            end_date=date(2026, 10, 1),
        )
    )
    ctx.commit()
    return north, south


def test_profile_counts(ctx):
    north, south = build(ctx)
    p = cohort.profile(ON)
    assert p.total == 3
    assert dict(p.by_locality) == {"North": 2, "South": 1}
    reasons = dict(p.by_reason)
    assert reasons["Health, including anxiety or medical needs"] == 2
    assert reasons["Philosophical or preference"] == 1 and reasons["Other"] == 0
    assert dict(p.by_send)["Education, Health and Care Plan (EHCP)"] == 1
    assert p.fsm == {"primary": (1, 2), "secondary": (1, 1)}
    assert p.fsm_percent("primary") == 50
    flows = {f.month: (f.joiners, f.leavers) for f in p.flows}
    assert len(p.flows) == 12 and p.flows[0].month == date(2025, 12, 1) and p.flows[-1].month == date(2026, 11, 1)
    assert flows[date(2025, 12, 1)] == (1, 0)
    assert flows[date(2026, 1, 1)] == (1, 0)
    assert flows[date(2026, 9, 1)] == (1, 0)
    assert flows[date(2026, 10, 1)] == (1, 1)
    assert sum(j for j, _ in flows.values()) == 4 and sum(lv for _, lv in flows.values()) == 1
    only_south = cohort.profile(ON, [south.id])
    assert only_south.total == 1 and dict(only_south.by_locality) == {"South": 1}


def test_page_and_csv(client, ctx):
    north, south = build(ctx)
    admin = UserFactory(roles=[Role.ADMIN])
    sign_in(client, admin.email)
    page = client.get("/cohort").get_data(as_text=True)
    assert "<strong>3</strong> learners on roll" in page
    assert "Learners by locality as a table" in page
    # each chart is an SVG image saying its figures in words, each value drawn, with the same numbers as a table
    on = client.get("/cohort?on=23&on=11&on=2026").get_data(as_text=True)
    alt, svg = chart_on(on, "Learners by locality")
    assert alt == "Learners by locality. North: 2; South: 1."
    assert {"North", "South", "2", "1"} <= svg_words(svg)
    assert chart_table(on, "Learners by locality") == {"North": ["2"], "South": ["1"]}
    alt, _svg = chart_on(on, "Learners by reason for education other than at school")
    assert "Philosophical or preference: 1;" in alt and "Health, including anxiety or medical needs: 2;" in alt
    alt, _svg = chart_on(on, "Learners by special educational needs status")
    assert alt == (
        "Learners by special educational needs status. None: 2; SEN support: 0; "
        "Education, Health and Care Plan (EHCP): 1."
    )
    # joiners and leavers: a bar each, named in a legend, never told apart by colour alone; the table shows open
    alt, svg = chart_on(on, "Joiners and leavers by month")
    assert alt.startswith("Joiners and leavers by month. Dec 2025: Joiners 1, Leavers 0; Jan 2026: Joiners 1,")
    assert alt.endswith("Oct 2026: Joiners 1, Leavers 1; Nov 2026: Joiners 0, Leavers 0.")
    assert {"Joiners", "Leavers", "Dec 2025", "Oct 2026"} <= svg_words(svg)
    flows = chart_table(on, "Joiners and leavers by month")
    assert len(flows) == 12 and flows["Oct 2026"] == ["1", "1"] and flows["Sep 2026"] == ["1", "0"]
    assert '<details class="govuk-details va-chart__table" open>' in on
    past = client.get("/cohort?on=1&on=1&on=2026").get_data(as_text=True)
    assert "<strong>1</strong> learner on roll on 1 January 2026" in past  # the leaver joined on 10 January
    response = client.get("/cohort.csv?on=23&on=11&on=2026")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ["locality", "North", "2"] in rows and ["fsm_primary", "all", "2"] in rows
    assert ["leavers", "2026-10", "1"] in rows


def test_a_coordinator_sees_their_own_locality_only(client, ctx):
    north, south = build(ctx)
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    ctx.add(LocalityStaff(user_id=coordinator.id, locality_id=north.id, role=LocalityRole.COORDINATOR))
    ctx.commit()
    sign_in(client, coordinator.email)
    rows = list(csv.reader(io.StringIO(client.get("/cohort.csv?on=23&on=11&on=2026").get_data(as_text=True))))
    assert ["total", "on roll on 2026-11-23", "2"] in rows
    assert not any(r[:2] == ["locality", "South"] for r in rows)
    page = client.get("/cohort?on=23&on=11&on=2026").get_data(as_text=True)
    assert chart_on(page, "Learners by locality")[0] == "Learners by locality. North: 2."
