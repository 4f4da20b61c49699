"""How long each role's pages take at national scale, served by gunicorn from PostgreSQL, and how the app holds up
under 50 signed-in users at once.

    flask --app wsgi seed-scale --learners 115000        # with DATABASE_URL naming an empty database, once
    .venv/bin/python -m bench.pages --database postgresql+psycopg://postgres@127.0.0.1:5432/va_scale
    .venv/bin/python -m bench.pages --database URL --runs 21 --users 50 --seconds 60

It starts gunicorn (``--workers 4``, sync workers, as README's deployment) on a loopback port against the database,
signs in as each demo role through the real sign-in form (the CSRF token read from the form, the session kept
in the server's store), requests every page in the list once per worker to warm it, then times ``--runs``
requests of each, one at a time, over plain HTTP (``http.client``; the whole body read): median, 95th
percentile, the status, and each page's median over the median of ``/healthz/floor`` (the same app with one
indexed query). The check-in submission posts the form (a new check-in each time). Then ``--users`` threads,
each signed in as its own session of a demo role, request that role's main pages as fast as they are answered
for ``--seconds``: throughput and p50/p95/p99 over all of them and over the main pages. Prints Markdown tables.

Targets (issue 16): each role's main page median under 50 ms and at most 3x the floor; every other page under
300 ms; reports and the overview under 500 ms; PDFs under 500 ms; p95 of the main pages under 150 ms at 50
users; no 5xx. Exits 1 on any 5xx (a missed time target is reported, not an error). The server is given
``LOGIN_LIMIT_PER_IP`` of 1,000 per 15 minutes, since every simulated user signs in from the one loopback
address; a correct password never counts towards the growing delay after failed sign-ins.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from html import unescape
from urllib.parse import urlencode

from bench import ROOT, postgres_url, shown
from bench.overview import _percentile

PASSWORD = "learning-together-2026"  # noqa: S105 - the demo accounts' documented password
ACCOUNTS = {
    "guardian": "guardian.jones@demo.example.org",
    "mentor": "mentor.amara@demo.example.org",
    "coordinator": "coordinator.north@demo.example.org",
    "admin": "admin@demo.example.org",
    "exams officer": "exams@demo.example.org",
}
#: Targets (milliseconds) by kind of page.
TARGETS = {"main": 50.0, "page": 300.0, "report": 500.0, "pdf": 500.0}
MAIN_RATIO = 3.0
LOAD_P95_MS = 150.0
NO_ANSWER = 0
MIN_RUNS = 3
#: A page that is slower than this (seconds) is warmed once and timed until it has used the --page-seconds budget.
SLOW_SECONDS = 2.0


class Client:
    """One browser: a cookie jar over keep-alive-less HTTP to the loopback server."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | list | None = None) -> tuple[int, str, bytes, float]:
        """Status, Location, body and milliseconds for one request, the whole body read."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers.get("Location", ""), data, elapsed

    def get(self, path: str) -> tuple[int, bytes, float]:
        status, _location, body, ms = self.request("GET", path)
        return status, body, ms

    def sign_in(self, email: str) -> None:
        status, page, _ms = self.get("/sign-in")
        assert status == 200, ("/sign-in", status)
        status, location, _body, _ms = self.request(
            "POST", "/sign-in", {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)}
        )
        if status != 302 or "sign-in" in location:
            raise SystemExit(f"Could not sign in as {email} ({status}): was the database seeded with seed-scale?")


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return unescape(found.group(1).decode())


def form_fields(page: bytes) -> list[tuple[str, str]]:
    """The values a browser would send from the page's main form (the one with most inputs) as it stands: text and
    hidden inputs as filled in (a date's day, month and year share a name), the checked radio of each group (the
    first if none is)."""
    form = max(re.findall(rb"<form.*?</form>", page, re.S) or [page], key=lambda f: f.count(b"<input"))
    fields: list[tuple[str, str]] = []
    radios: dict[str, str] = {}
    for tag in re.findall(rb"<input[^>]*>", form):
        attrs = dict(re.findall(rb'([\w-]+)="([^"]*)"', tag))
        name, kind = attrs.get(b"name"), attrs.get(b"type", b"text")
        if not name or kind in (b"submit", b"checkbox", b"file"):
            continue
        key, value = unescape(name.decode()), unescape(attrs.get(b"value", b"").decode())
        if kind != b"radio":
            fields.append((key, value))
        elif key not in radios or b"checked" in tag:
            radios[key] = value
    return fields + list(radios.items())


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    path: str
    kind: str  # main, page, report or pdf
    post: dict | None = None  # a form posted (over the fields of the GET page) instead of a GET


@dataclass
class Timing:
    page: Page
    times: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def objects(url: str) -> dict[str, int]:
    """The ids the pages name: the demo guardian's child, budget and an event to book; the demo mentor's learner;
    a seeded learner, its learning budget and the funding year."""
    from sqlalchemy import select

    from virtualacademy import create_app
    from virtualacademy.extensions import db
    from virtualacademy.models import Event, FundingYear, Guardian, Learner, LedgerAccount, MentorAssignment, User
    from virtualacademy.models.funding import AccountKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console"})
    with app.app_context():

        def user_id(role: str) -> int:
            return db.session.scalar(select(User.id).where(User.email == ACCOUNTS[role]))

        child = db.session.scalar(
            select(Learner)
            .join(Guardian, Guardian.family_id == Learner.family_id)
            .where(Guardian.user_id == user_id("guardian"))
            .order_by(Learner.id)
        )
        found = {
            "child": child.id,
            "event": db.session.scalar(
                select(Event.id).where(Event.locality_id == child.locality_id).order_by(Event.id.desc())
            ),
            "mentee": db.session.scalar(
                select(MentorAssignment.learner_id)
                .where(MentorAssignment.mentor_id == user_id("mentor"), MentorAssignment.ends_on.is_(None))
                .order_by(MentorAssignment.learner_id)
            ),
            "learner": db.session.scalar(select(Learner.id).order_by(Learner.id)),
            "budget": db.session.scalar(
                select(LedgerAccount.id).where(LedgerAccount.kind == AccountKind.PERSONAL).order_by(LedgerAccount.id)
            ),
            "year": db.session.scalar(select(FundingYear.id).where(FundingYear.starts_on == date(2026, 9, 1))),
        }
        db.session.remove()
        db.engine.dispose()
    missing = [k for k, v in found.items() if v is None]
    if missing:
        raise SystemExit(f"The database lacks {', '.join(missing)}: seed it with `flask --app wsgi seed-scale`.")
    return found


def pages(ids: dict[str, int]) -> list[Page]:
    check_in = {"contact_made": "yes", "wellbeing": "4", "engagement": "4", "notes": "Talked through the week."}
    return [
        Page("guardian", "dashboard", "/dashboard", "main"),
        Page("guardian", "learning budgets", "/funding/family", "page"),
        Page("guardian", "record of achievement (PDF)", f"/learning/learners/{ids['child']}/achievement.pdf", "pdf"),
        Page("guardian", "exams", "/exams/family", "page"),
        Page("guardian", "community: event list", "/community/events", "page"),
        Page("guardian", "community: a booking", f"/community/events/{ids['event']}/book", "page"),
        Page("mentor", "dashboard", "/dashboard", "main"),
        Page("mentor", "caseload", "/caseload", "main"),
        Page("mentor", "a learner's page", f"/caseload/learners/{ids['mentee']}", "page"),
        Page("mentor", "check-in submission (POST)", f"/caseload/learners/{ids['mentee']}/check-in", "page", check_in),
        Page("coordinator", "dashboard", "/dashboard", "main"),
        Page("coordinator", "learners", "/learners", "page"),
        Page("coordinator", "overview", "/overview/", "report"),
        Page("exams officer", "exams", "/exams/", "page"),
        Page("exams officer", "ready for an exam", "/exams/ready", "page"),
        Page("admin", "dashboard", "/dashboard", "main"),
        Page("admin", "learners, page 1", "/learners", "page"),
        Page("admin", "learners, page 500", "/learners?page=500", "page"),
        Page("admin", "learning log, page 2,000", "/learning/log?page=2000", "page"),
        Page("admin", "localities list", "/localities/", "report"),
        Page("admin", "cohort profile", "/cohort", "report"),
        Page("admin", "cohort CSV", "/cohort.csv", "report"),
        Page("admin", "mentoring settings", "/mentoring/settings", "page"),
        Page("admin", "assign a mentor", f"/mentoring/learners/{ids['learner']}/assign", "page"),
        Page("admin", "locality budgets", "/funding/localities", "report"),
        Page("admin", "funding overview", f"/funding/years/{ids['year']}/overview", "report"),
        Page("admin", "overview", "/overview/", "report"),
        Page("admin", "a learning budget's statement (PDF)", f"/funding/accounts/{ids['budget']}/statement.pdf", "pdf"),
        Page("admin", "transfers, page 20,000", "/funding/transfers?page=20000", "page"),
        Page("admin", "exams", "/exams/", "page"),
    ]


def fetch(client: Client, page: Page) -> tuple[int, float]:
    """The status and milliseconds of one request of ``page``; status 0 when no answer came (the connection
    closed: gunicorn stops a worker whose request runs past its 30 s timeout, and a proxy would answer 502)."""
    started = time.perf_counter()
    try:
        return _fetch(client, page)
    except (OSError, http.client.HTTPException):
        return NO_ANSWER, (time.perf_counter() - started) * 1000


def _fetch(client: Client, page: Page) -> tuple[int, float]:
    if page.post is None:
        status, _body, ms = client.get(page.path)
        return status, ms
    status, form, _ms = client.get(page.path)
    if status != 200:
        return status, 0.0
    sent = [(k, v) for k, v in form_fields(form) if k not in page.post] + list(page.post.items())
    status, _location, _body, ms = client.request("POST", page.path, sent)
    return status, ms


def time_pages(
    clients: dict[str, Client], floor: Client, pages_: list[Page], runs: int, warm: int, budget: float
) -> tuple:
    """The floor's median and p95, and each page timed ``runs`` times (fewer, but at least three, once a page has
    taken ``budget`` seconds) after a warm-up request per worker."""
    floor_times = []
    for _ in range(warm):
        floor.get("/healthz/floor")
    for _ in range(runs):
        status, _body, ms = floor.get("/healthz/floor")
        assert status == 200, status
        floor_times.append(ms)
    timings = []
    for page in pages_:
        timing = Timing(page)
        for _ in range(warm):
            status, ms = fetch(clients[page.role], page)
            timing.statuses.add(status)
            if ms > SLOW_SECONDS * 1000:
                break
        spent = 0.0
        while len(timing.times) < runs and (len(timing.times) < MIN_RUNS or spent < budget):
            status, ms = fetch(clients[page.role], page)
            timing.statuses.add(status)
            timing.times.append(ms)
            spent += ms / 1000
        print(f"  {page.role}: {page.name}: median {timing.median:.1f} ms {sorted(timing.statuses)}", file=sys.stderr)
        timings.append(timing)
    return statistics.median(floor_times), _percentile(floor_times, 95), timings


def verdict(timing: Timing, floor: float) -> str:
    page, median = timing.page, timing.median
    if any(s >= 500 or s == NO_ANSWER for s in timing.statuses):
        return "5xx" if NO_ANSWER not in timing.statuses else "no answer (worker timeout)"
    if timing.statuses != {302 if page.post else 200}:
        return "unexpected status"
    target = TARGETS[page.kind]
    ok = median < target and (page.kind != "main" or median <= MAIN_RATIO * floor)
    limit = f"< {target:.0f} ms" + (f", <= {MAIN_RATIO:.0f}x floor" if page.kind == "main" else "")
    return f"{'met' if ok else 'MISSED'} ({limit})"


def load(port: int, main: list[Page], users: int, seconds: float, think: float = 0.0) -> dict:
    """``users`` threads, each its own signed-in session of a role (in turn), requesting the role's main pages in
    a loop for ``seconds``, pausing between pages for a time drawn evenly between none and twice ``think`` (as a
    person reads a page; none: the next request the moment an answer arrives). Returns every request's
    (milliseconds, status, whether a main page)."""
    roles = sorted({p.role for p in main})
    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    clients = []
    for n in range(users):
        role = roles[n % len(roles)]
        client = Client(port)
        client.sign_in(ACCOUNTS[role])
        clients.append((client, [p for p in main if p.role == role]))
    start_gate = threading.Barrier(users + 1)
    stop_at = [0.0]

    def user(client: Client, mine: list[Page], pause: random.Random) -> None:
        start_gate.wait()
        if think:  # people arrive at different moments, not all in the same millisecond
            time.sleep(pause.uniform(0, 2 * think))
        n, done = 0, []
        while time.perf_counter() < stop_at[0]:
            page = mine[n % len(mine)]
            status, ms = fetch(client, page)
            done.append((ms, status, f"{page.role}: {page.name}"))
            n += 1
            if think:
                time.sleep(min(pause.uniform(0, 2 * think), max(stop_at[0] - time.perf_counter(), 0)))
        with lock:
            results.extend(done)

    threads = [threading.Thread(target=user, args=(*c, random.Random(n)), daemon=True) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    times = [ms for ms, _status, _page in results]
    by_page = {name: sorted(ms for ms, _status, page in results if page == name) for name in {r[2] for r in results}}
    return {
        "pages": {name: (len(t), _percentile(t, 50), _percentile(t, 95)) for name, t in sorted(by_page.items())},
        "users": users,
        "think": think,
        "seconds": elapsed,
        "requests": len(results),
        "throughput": len(results) / elapsed,
        "p50": _percentile(times, 50),
        "p95": _percentile(times, 95),
        "p99": _percentile(times, 99),
        "5xx": sum(1 for _ms, status, _page in results if status >= 500 or status == NO_ANSWER),
        "other": sorted({status for _ms, status, _page in results if status != 200}),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int, workers: int, log) -> subprocess.Popen:
    """gunicorn on the loopback ``port``, its log written to the file ``log``."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_BACKEND": "console",
        "LOGIN_LIMIT_PER_IP": "1000 per 15 minutes",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped; its log is {log.name}")
        try:
            if Client(port).get("/healthz/floor")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def report(floor: tuple[float, float], timings: list[Timing], loaded: dict, runs: int) -> None:
    print(f"\nFloor (`/healthz/floor`): median {floor[0]:.1f} ms, p95 {floor[1]:.1f} ms ({runs} requests)\n")
    print("| role | page | median ms | p95 ms | × floor | status | runs | target |")
    print("|---|---|---:|---:|---:|---|---:|---|")
    for t in timings:
        print(
            f"| {t.page.role} | {t.page.name} | {t.median:.1f} | {_percentile(t.times, 95):.1f} | "
            f"{t.median / floor[0]:.1f} | {', '.join(map(str, sorted(t.statuses)))} | {len(t.times)} | "
            f"{verdict(t, floor[0])} |"
        )
    pausing = f"pausing {loaded['think']:g} s on average between pages" if loaded["think"] else "with no pause"
    print(
        f"\n{loaded['users']} signed-in users for {loaded['seconds']:.0f} s, each requesting its role's main pages "
        f"in a loop, {pausing}:\n"
    )
    print("| requests | per second | p50 ms | p95 ms | p99 ms | 5xx | other statuses | p95 target |")
    print("|---:|---:|---:|---:|---:|---:|---|---|")
    print(
        f"| {loaded['requests']:,} | {loaded['throughput']:.1f} | {loaded['p50']:.1f} | {loaded['p95']:.1f} | "
        f"{loaded['p99']:.1f} | {loaded['5xx']} | {', '.join(map(str, loaded['other'])) or 'none'} | "
        f"{'met' if loaded['p95'] < LOAD_P95_MS else 'MISSED'} (< {LOAD_P95_MS:.0f} ms) |"
    )
    print("\n| under load | requests | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for name, (count, p50, p95) in loaded["pages"].items():
        print(f"| {name} | {count} | {p50:.1f} | {p95:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=None, help="a PostgreSQL URL seeded by seed-scale (default: va_scale)")
    parser.add_argument("--runs", type=int, default=21, help="timed requests per page")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load test lasts")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--page-seconds", type=float, default=20.0, help="time budget of one page's timed runs")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause (seconds) between a user's pages under load (0: none)"
    )
    parser.add_argument("--load-only", action="store_true", help="skip timing each page; only the load test")
    args = parser.parse_args(argv)
    url = args.database or postgres_url().rsplit("/", 1)[0] + "/va_scale"
    if url == "sqlite" or url.startswith("sqlite"):
        raise SystemExit("bench.pages measures gunicorn with PostgreSQL: give --database a PostgreSQL URL.")
    print(f"Pages at national scale on {shown(url)}, gunicorn --workers {args.workers}", flush=True)
    ids = objects(url)
    listed = pages(ids)
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-pages-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    print(f"gunicorn's log: {log.name}", file=sys.stderr)
    server = start_server(url, port, args.workers, log)
    try:
        clients = {role: Client(port) for role in ACCOUNTS}
        for role, client in clients.items():
            client.sign_in(ACCOUNTS[role])
        floor, floor_p95, timings = time_pages(
            clients, Client(port), [] if args.load_only else listed, args.runs, args.workers, args.page_seconds
        )
        loaded = load(port, [p for p in listed if p.kind == "main"], args.users, args.seconds, args.think)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report((floor, floor_p95), timings, loaded, args.runs)
    errors = [t for t in timings if any(s >= 500 or s == NO_ANSWER for s in t.statuses)]
    if errors or loaded["5xx"]:
        print(
            f"\n5xx answers: {', '.join(f'{t.page.role}: {t.page.name}' for t in errors)} {loaded['5xx']} under load",
            flush=True,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
