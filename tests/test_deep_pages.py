"""Deep pages by keyset (``paging.keyset_page``): every row once, in the list's order, forwards and backwards
across page boundaries where the sort keys tie (and where they are NULL); a cursor that is not one the app wrote
is a 400 page that leads back to the first page, never an error; and a page sends the same statements however
long the list (the transfers journal and staff's **Learning log**)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, update

from tests.conftest import sign_in
from tests.factories import LocalityFactory, UserFactory, many_learners
from tests.statements import statements_per_page
from virtualacademy.extensions import db
from virtualacademy.models import AccountKind, Learner, Role, Transfer, TransferKind
from virtualacademy.paging import Key, decode_cursor, keyset_page, ordering
from virtualacademy.services import funding, learning_log, ledger

#: Three days (one of them "never") and three names, so every page boundary falls inside a run of ties.
DAYS = [None, date(2026, 9, 14), date(2026, 10, 5)]
NAMES = ["Ada Tie", "Bo Tie", "Cy Tie"]
ORDERS = {
    "learning log (NULLs first, then name, then id)": learning_log.LOG_LIST_ORDER,
    "mixed directions": (Key(Learner.legal_name, kind=str, descending=True), Key(Learner.id)),
    "newest first": (Key(Learner.id, descending=True),),
    "NULLs last, newest day first": (
        Key(Learner.last_logged_on, kind=date, descending=True, nullable=True),
        Key(Learner.id, descending=True),
    ),
}


def tied_learners(count: int) -> list[int]:
    """``count`` learners on roll whose last logged days and names repeat (a third have logged nothing)."""
    ids = many_learners(LocalityFactory(), count)
    for n, learner_id in enumerate(ids):
        db.session.execute(
            update(Learner)
            .where(Learner.id == learner_id)
            .values(last_logged_on=DAYS[n % 3], legal_name=NAMES[(n // 3) % 3])
        )
    db.session.commit()
    return ids


def walk(keys, per_page: int, *, backwards: bool = False, parts=None) -> list[int]:
    """Every id the pages show, from the first page to the last (or from the last back to the first)."""
    stmt = select(Learner.id)

    def read(**cursor):
        return keyset_page(stmt, keys, per_page=per_page, parts=parts, **cursor)

    page = read()
    while backwards and page.has_next:
        page = read(after=decode_cursor(keys, page.next_cursor))
    seen = list(page.items)
    while (page.has_prev if backwards else page.has_next) and len(seen) < 1_000:
        if backwards:
            page = read(before=decode_cursor(keys, page.prev_cursor))
            seen = list(page.items) + seen
        else:
            page = read(after=decode_cursor(keys, page.next_cursor))
            seen += page.items
        assert page.items and len(page.items) <= per_page
    return seen


@pytest.mark.parametrize("keys", list(ORDERS.values()), ids=list(ORDERS))
def test_pages_show_every_row_once_in_order_across_ties_forwards_and_backwards(db_session, keys):
    tied_learners(25)
    expected = list(db.session.scalars(select(Learner.id).order_by(*ordering(keys))))
    assert len(expected) == 25
    for per_page in (1, 2, 3, 4, 7, 25, 50):
        assert walk(keys, per_page) == expected, per_page
        assert walk(keys, per_page, backwards=True) == expected, per_page


@pytest.mark.parametrize(
    "keys", [ORDERS["newest first"], ORDERS["NULLs last, newest day first"]], ids=["newest first", "NULLs last"]
)
def test_a_list_read_in_parts_is_merged_into_one_order(db_session, keys):
    tied_learners(25)
    expected = list(db.session.scalars(select(Learner.id).order_by(*ordering(keys))))
    parts = [Learner.id % 3 == 0, Learner.id % 3 != 0]
    for per_page in (1, 2, 4, 7, 25):
        assert walk(keys, per_page, parts=parts) == expected, per_page
        assert walk(keys, per_page, backwards=True, parts=parts) == expected, per_page
    with pytest.raises(ValueError, match="collation"):
        keyset_page(select(Learner.id), learning_log.LOG_LIST_ORDER, parts=parts)


def test_the_total_is_known_only_when_the_whole_list_is_on_its_first_page(db_session):
    tied_learners(5)
    keys = learning_log.LOG_LIST_ORDER
    assert keyset_page(select(Learner.id), keys, per_page=5).total == 5
    first = keyset_page(select(Learner.id), keys, per_page=2)
    assert first.total is None and first.has_next and not first.has_prev
    last = keyset_page(select(Learner.id), keys, per_page=2, after=decode_cursor(keys, first.next_cursor))
    assert last.total is None and last.has_prev


# --- through the pages ----------------------------------------------------------------------------------------


def signed_in_admin(app):
    client = app.test_client()
    assert sign_in(client, UserFactory(roles=[Role.ADMIN]).email).status_code == 302
    return client


def linked(page: str, pattern: str) -> list[int]:
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S).group(1)
    return [int(found) for found in re.findall(pattern, body)]


def pagination_link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="{rel}">', page)
    return found.group(1).replace("&amp;", "&") if found else None


def follow(client, path: str, pattern: str) -> tuple[list[int], list[int], list[str]]:
    """The ids shown walking by "Next" links from ``path`` to the end, then by "Previous" links back."""
    forwards, backwards, visited = [], [], []
    page = client.get(path).get_data(as_text=True)
    forwards += linked(page, pattern)
    while (path := pagination_link(page, "next")) is not None:
        visited.append(path)
        page = client.get(path).get_data(as_text=True)
        forwards += linked(page, pattern)
    backwards = linked(page, pattern)
    while (path := pagination_link(page, "prev")) is not None:
        page = client.get(path).get_data(as_text=True)
        backwards = linked(page, pattern) + backwards
    return forwards, backwards, visited


def many_transfers(count: int, kind: AccountKind = AccountKind.CENTRAL_CORE, *, both_ways: bool = False) -> list[int]:
    """``count`` transfers from the funding source to a central account (or, ``both_ways``, every other one
    back), inserted in bulk (the journal lists them; the balances they would have made do not matter here)."""
    source, other = ledger.funding_source(), ledger.central(kind)
    at = datetime(2026, 9, 1, 9, tzinfo=UTC)
    ids = db.session.scalars(
        insert(Transfer).returning(Transfer.id, sort_by_parameter_order=True),
        [
            {
                "from_account_id": other.id if both_ways and n % 2 else source.id,
                "to_account_id": source.id if both_ways and n % 2 else other.id,
                "amount_pence": 100 + n,
                "kind": TransferKind.INCOME,
                "memo": f"Grant {n}",
                "idempotency_key": f"deep-pages:{kind.value}:{n}:{count}:{both_ways}",
                "created_at": at,
            }
            for n in range(count)
        ],
    ).all()
    db.session.commit()
    return list(ids)


def test_the_transfers_journal_pages_newest_first_without_counting(app, db_session):
    client = signed_in_admin(app)
    ids = many_transfers(3)
    assert "3 transfers" in client.get("/funding/transfers").get_data(as_text=True)
    small = statements_per_page(client, ["/funding/transfers"])["/funding/transfers"]
    ids += many_transfers(117)
    pattern = r'href="/funding/transfers/(\d+)"'
    forwards, backwards, visited = follow(client, "/funding/transfers", pattern)
    assert forwards == backwards == sorted(ids, reverse=True)
    assert len(visited) == 2
    page = client.get("/funding/transfers").get_data(as_text=True)
    assert "Transfers, newest first, 50 a page" in page and "120 transfers" not in page
    counts = statements_per_page(client, ["/funding/transfers", *visited])
    assert set(counts.values()) == {small}, counts
    # the filters are kept from page to page
    assert "kind=income" in pagination_link(client.get("/funding/transfers?kind=income").get_data(as_text=True), "next")


def test_an_accounts_transfers_in_and_out_are_paged_as_one_list(app, db_session):
    client = signed_in_admin(app)
    core = many_transfers(61, both_ways=True)
    many_transfers(30, AccountKind.CENTRAL_MENTOR)  # another account's, between the core account's
    core += many_transfers(60, both_ways=True)
    path = f"/funding/transfers?account={ledger.central(AccountKind.CENTRAL_CORE).key}"
    forwards, backwards, visited = follow(client, path, r'href="/funding/transfers/(\d+)"')
    assert forwards == backwards == sorted(core, reverse=True)
    assert len(visited) == 2
    counts = statements_per_page(client, [path, *visited])
    assert len(set(counts.values())) == 1, counts


def test_the_learning_log_list_pages_by_keyset_with_a_fixed_number_of_statements(app, db_session):
    client = signed_in_admin(app)
    tied_learners(3)
    assert "3 learners on roll" in client.get("/learning/log").get_data(as_text=True)
    small = statements_per_page(client, ["/learning/log"])["/learning/log"]
    tied_learners(117)
    expected = list(db.session.scalars(select(Learner.id).order_by(*ordering(learning_log.LOG_LIST_ORDER))))
    forwards, backwards, visited = follow(client, "/learning/log", r'href="/learning/learners/(\d+)/attendance"')
    assert forwards == backwards == expected
    assert len(visited) == 2
    assert "Learners on roll, the longest without" in client.get("/learning/log").get_data(as_text=True)
    first = statements_per_page(client, ["/learning/log"])["/learning/log"]
    deeper = statements_per_page(client, visited)
    # one more on a first page of a longer list (the page's gaps); a later page reads one run of the index or two
    assert first == small
    assert all(first - 1 <= count <= first for count in deeper.values()), (first, deeper)


# --- hostile cursors ------------------------------------------------------------------------------------------


def cursor(raw: bytes | str) -> str:
    raw = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE = {
    "garbage": "garbage!",
    "not base64 JSON": cursor(b"hello"),
    "not UTF-8": cursor(b"\xff\xfe["),
    "empty": "",
    "very long": "A" * 5_000,
    "a NUL": "WzE\x00",
    "control characters": "%01%02",
    "another script's digits": "٣",
    "an id beyond 64 bits": cursor(json.dumps([2**64 + 1])),
    "an id beyond the id columns": cursor(json.dumps([2**31])),
    "a negative id": cursor("[-1]"),
    "a float": cursor("[1.5]"),
    "true": cursor("[true]"),
    "a text id": cursor('["1"]'),
    "an object": cursor('{"id": 1}'),
    "too few keys": cursor("[]"),
    "nested": cursor("[" * 300 + "]" * 300),
}
#: For the learning log's (day, name, id).
HOSTILE_LOG = {
    "a NUL in the name": cursor(json.dumps(["2026-10-05", "Ada\x00Tie", 1])),
    "a right-to-left override in the name": cursor(json.dumps(["2026-10-05", "Ada\u202eTie", 1])),
    "a name longer than any": cursor(json.dumps(["2026-10-05", "A" * 201, 1])),
    "no such day": cursor(json.dumps(["2026-02-30", "Ada Tie", 1])),
    "a day in another format": cursor(json.dumps(["20261005", "Ada Tie", 1])),
    "a NULL id": cursor(json.dumps([None, "Ada Tie", None])),
    "an id beyond 64 bits": cursor(json.dumps([None, "Ada Tie", 2**70])),
    "a NULL name": cursor(json.dumps(["2026-10-05", None, 1])),
}


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        *(("/funding/transfers", v) for v in HOSTILE.values()),
        *(("/learning/log", v) for v in [*HOSTILE.values(), *HOSTILE_LOG.values()]),
    ],
    ids=[*(f"transfers: {k}" for k in HOSTILE), *(f"log: {k}" for k in [*HOSTILE, *HOSTILE_LOG])],
)
def test_a_cursor_the_app_did_not_write_is_a_400_page_back_to_the_first_page(app, db_session, path, bad):
    client = signed_in_admin(app)
    for direction in ("after", "before"):
        response = client.get(path, query_string={direction: bad, "kind": "income"})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "This link to a page of the list is not valid" in page
        assert f'href="{path}?kind=income">Go to the first page of the list' in page


def test_the_way_back_from_a_bad_cursor_keeps_the_other_arguments_whatever_they_are(app, db_session):
    client = signed_in_admin(app)
    query = {"after": "bad", "_scheme": "javascript", "endpoint": "x", "_external": "1", "kind": "a&b"}
    response = client.get("/funding/transfers", query_string=query)
    assert response.status_code == 400
    assert 'href="/funding/transfers?_scheme=javascript&amp;endpoint=x&amp;_external=1&amp;kind=a%26b"' in (
        response.get_data(as_text=True)
    )


def test_a_well_made_cursor_past_the_end_or_both_directions_at_once(app, db_session):
    client = signed_in_admin(app)
    many_transfers(2)
    past = client.get("/funding/transfers", query_string={"after": cursor("[1]")})
    assert past.status_code == 200
    assert 'href="/funding/transfers"' in past.get_data(as_text=True)  # "First page"
    both = client.get("/funding/transfers", query_string={"after": cursor("[5]"), "before": cursor("[1]")})
    assert both.status_code == 400
    assert funding.TRANSFER_ORDER[0].descending
