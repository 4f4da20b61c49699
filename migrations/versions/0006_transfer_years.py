"""Transfers: every transfer carries its funding year (back-fill the ones posted without one)

Revision ID: 0006_transfer_years
Revises: 0005_learning
Create Date: 2026-11-23 14:05:00.000000

The ledger now tags every transfer with the funding year covering its London posting date. This fills in
``transfer.year_id`` where it is NULL: a transfer posted from 1 September (London) to 31 August falls in that
funding year, if the year has been set up. The bounds are worked out here, for each year, as UTC times, and
each year is one parameterised UPDATE, the same on SQLite and PostgreSQL. Transfers outside every year stay
NULL (the overview places them by their date, as before). Nothing to undo: the downgrade leaves the years.
"""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_transfer_years'
down_revision = '0005_learning'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")

funding_year = sa.table('funding_year', sa.column('id', sa.Integer()), sa.column('starts_on', sa.Date()))
transfer = sa.table(
    'transfer',
    sa.column('year_id', sa.Integer()),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def _utc_midnight(day):
    return datetime.combine(day, time(), LONDON).astimezone(UTC)


def upgrade():
    connection = op.get_bind()
    for year_id, starts_on in connection.execute(sa.select(funding_year.c.id, funding_year.c.starts_on)).all():
        if isinstance(starts_on, str):  # SQLite may hand back the stored text
            starts_on = datetime.strptime(starts_on[:10], "%Y-%m-%d").date()
        ends_on = starts_on.replace(year=starts_on.year + 1) - timedelta(days=1)  # 31 August
        start, end = _utc_midnight(starts_on), _utc_midnight(ends_on + timedelta(days=1))
        if connection.dialect.name == "sqlite":  # stored as UTC text without a zone
            start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        connection.execute(
            transfer.update()
            .where(transfer.c.year_id.is_(None), transfer.c.created_at >= start, transfer.c.created_at < end)
            .values(year_id=year_id)
        )


def downgrade():
    pass
