"""The admin's data-protection pages: what is held about a family, the subject-access download, erasure."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.services.test_data_protection import household
from virtualacademy.models import Application, AuditEvent, Family
from virtualacademy.services import families


def admin_client(client, mine):
    assert sign_in(client, mine.admin.email).status_code == 302
    return client


def test_admin_sees_what_is_held_and_downloads_the_export(client, db_session):
    mine = household(db_session)
    admin_client(client, mine)
    path = f"/families/{mine.family.id}/data"
    page = client.get(path).get_data(as_text=True)
    assert f"Data held about family {mine.family.reference}" in page  # the <title>
    assert "Ann Hartley" in page and "Pat Hartley, Chris Hartley" in page
    assert "Not requested" in page and "20 August 2038" in page  # when it would be erased

    response = post_form(client, f"{path}/export", token_from=path)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=family-{mine.family.reference}-subject-access.zip"
    )
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("family.json"))
    assert [lr["legal_name"] for lr in data["learners"]] == ["Ann Hartley", "Bob Hartley"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("family.pdf"))).pages)
    assert "Ann Hartley" in text and "Bob Hartley" in text
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "data_protection.export")).one()
    assert event.actor_id == mine.admin.id and event.ip == "127.0.0.1"


def test_erasure_is_refused_on_the_page_while_a_child_is_enrolled(client, db_session):
    mine = household(db_session, withdraw=False)
    admin_client(client, mine)
    path = f"/families/{mine.family.id}/data"
    page = client.get(path).get_data(as_text=True)
    assert "Ann Hartley and Bob Hartley are still enrolled" in page and "Request erasure" not in page

    response = post_form(client, f"{path}/erasure", token_from=path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert "Ann Hartley and Bob Hartley are still enrolled" in page
    db_session.expire_all()
    assert db_session.get(Family, mine.family.id).erasure_requested_at is None


def test_erasure_is_requested_and_cancelled(client, db_session):
    mine = household(db_session)
    admin_client(client, mine)
    path = f"/families/{mine.family.id}/data"
    response = post_form(client, f"{path}/erasure", token_from=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "Erasure requested. The family&#39;s personal data will be erased on 20 August 2038." in page
    assert "Erase now" not in page  # the retention period has not ended
    # Nobody can jump the queue: the confirmation page and the action both refuse.
    early = client.get(f"{path}/erase")
    assert early.status_code == 302
    assert "The retention period has not ended" in client.get(path).get_data(as_text=True)
    refused = post_form(client, f"{path}/erase", token_from=path)
    assert refused.status_code == 200 and "can be erased from 20 August 2038" in refused.get_data(as_text=True)

    response = post_form(client, f"{path}/erasure/cancel", token_from=path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "The erasure request has been cancelled" in page and "Not requested" in page
    db_session.expire_all()
    assert db_session.get(Family, mine.family.id).erasure_requested_at is None


def test_once_the_retention_period_has_ended_admin_can_erase_now(app, client, db_session):
    mine = household(db_session, born=(date(1990, 1, 1), date(1995, 6, 30)))  # 25 long ago
    admin_client(client, mine)
    path = f"/families/{mine.family.id}/data"
    post_form(client, f"{path}/erasure", token_from=path)
    page = client.get(path).get_data(as_text=True)
    assert "will be erased tonight, unless you erase it now or cancel the request" in page
    assert "Erase now" in page and "The retention period ended on 30 June 2020" in page

    confirm = client.get(f"{path}/erase")
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.get_data(as_text=True)
    response = post_form(client, f"{path}/erase", token_from=f"{path}/erase")
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert f"Family {mine.family.reference}&#39;s personal data has been erased." in page
    assert "The family's personal data was erased on" in page and "Ann Hartley" not in page
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "data_protection.erased")).one()
    assert event.actor_id == mine.admin.id

    # The erased application's page still works, with nothing identifying on it.
    application = db_session.get(Application, mine.application_id)
    review = client.get(f"/applications/{application.id}")
    assert review.status_code == 200
    assert "Hartley" not in review.get_data(as_text=True)

    # The guardian can no longer sign in.
    guardian = app.test_client()
    assert sign_in(guardian, "hartley.parent@example.com").status_code == 200


def test_the_page_says_when_a_child_was_enrolled_again_after_the_request(client, db_session):
    mine = household(db_session)
    admin_client(client, mine)
    path = f"/families/{mine.family.id}/data"
    post_form(client, f"{path}/erasure", token_from=path)
    learner = mine.family.learners[0]
    families.re_enrol(mine.admin, learner, date(2028, 9, 1), learner.locality)
    db_session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Ann Hartley is enrolled again, so nothing will be erased" in page
