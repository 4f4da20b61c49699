"""Browser tests: the real app served on a local port, driven by headless Chromium
(Playwright, pointed at Debian's ``chromium``), with axe-core run on every page visited.

Every test in this folder carries the ``browser`` marker. When Chromium (or Playwright)
is missing, the browser tests are deselected and the terminal summary says why; set
``REQUIRE_BROWSER=1`` (as CI does) to make that a failure instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD
from tests.factories import UserFactory
from virtualacademy.extensions import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: Playwright's default is 30 s; a local server answers in milliseconds, so fail sooner, yet with room for a
#: machine whose two cores are busy with a second test run and its browser (actions and ``expect`` alike).
TIMEOUT_MS = 15_000

_unavailable_key = pytest.StashKey[str]()


def chromium_path() -> str | None:
    """Debian's Chromium: ``CHROMIUM_PATH`` if set (and only that), else ``chromium`` on the PATH or /usr/bin/chromium."""
    explicit = os.environ.get("CHROMIUM_PATH")
    candidates = [explicit] if explicit else [shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_unavailable_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if chromium_path() is None:
        return "Chromium was not found (install Debian's `chromium` package, or set CHROMIUM_PATH)"
    if not AXE_JS.is_file():
        return f"axe-core was not found at {AXE_JS} (run `npm ci`)"
    return None


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


# --- marking, and deselecting when there is no browser ------------------------------


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before `-m` selection, so `-m "not browser"` sees the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ours = [item for item in items if _in_this_folder(item)]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    if not ours:
        return
    reason = browser_unavailable_reason()
    if reason is None or browser_required():
        return  # with REQUIRE_BROWSER=1 the tests stay selected and the `browser` fixture fails them
    config.stash[_unavailable_key] = f"{len(ours)} browser test(s) deselected: {reason}."
    config.hook.pytest_deselected(items=ours)
    items[:] = [item for item in items if not _in_this_folder(item)]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    message = config.stash.get(_unavailable_key, None)
    if message:
        terminalreporter.section("browser tests did not run", sep="=", yellow=True, bold=True)
        terminalreporter.write_line(message)
        terminalreporter.write_line("Set REQUIRE_BROWSER=1 to make a missing browser fail the run.")


# --- the live server ------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:  # errors are still logged
        pass


def _whole_responses(wsgi_app):
    """Each response read whole, and its iterator closed, before the development server starts sending it.

    The browser may drop a connection half-way (a page navigates on before the favicon has arrived); Werkzeug's
    server then stops without closing the response's file, and the unclosed file's ResourceWarning, raised in
    the server's thread, fails whichever test is running. Buffering here closes every file, whatever the
    browser does."""

    def app(environ, start_response):
        result = wsgi_app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return app


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session's app on a free local port, served from a daemon thread. Yields the base URL."""
    server = make_server("127.0.0.1", 0, _whole_responses(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- Playwright -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    reason = browser_unavailable_reason()
    if reason is not None:
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server, committed_db) -> Iterator[Callable[..., object]]:
    """Open a page in a fresh browser context (own cookies); keyword arguments go to ``new_context``.

    Depends on ``committed_db`` so every context is closed before the tables are emptied.
    """
    contexts = []

    def _new_page(**options):
        context = browser.new_context(base_url=live_server, bypass_csp=True, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        from playwright.sync_api import expect

        expect.set_options(timeout=TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- axe-core ---------------------------------------------------------------------------


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['id']}] ({v.get('impact') or 'n/a'}) {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def preload_axe(page) -> None:
    """Put axe-core into every document the page's browser context opens from now on, so that
    ``axe_check`` need not inject it each time (it saves about 0.15 s a page on a long journey)."""
    page.context.add_init_script(path=str(AXE_JS))


def axe_check(page) -> None:
    """Run axe-core on the page as it is now and fail on any violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return {violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
            }))};
        }""",
        AXE_TAGS,
    )
    violations = results["violations"]
    assert not violations, format_violations(page.url, violations)


# --- people and signing in -----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    password: str = PASSWORD


@pytest.fixture
def make_user(app, committed_db) -> Callable[..., Person]:
    """Create and commit a user the live server can see: ``make_user(roles=[Role.ADMIN], name=...)``."""

    def _make_user(**kwargs) -> Person:
        with app.app_context():
            user = UserFactory(**kwargs)
            db.session.commit()
            return Person(id=user.id, name=user.name, email=user.email)

    return _make_user


def sign_in(page, person: Person, password: str | None = None) -> None:
    """Sign in through the real form and wait for the page that follows."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(password or person.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def choose(locator, attempts: int = 3) -> None:
    """Check a radio or checkbox, trying again if a late layout shift on a busy machine swallowed the click.

    Playwright reports "Clicking the checkbox did not change its state" when the page moved under the
    pointer; the outcome asserted is still that the control ends up checked.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    for attempt in range(attempts):
        try:
            locator.check()
            break
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
    expect(locator).to_be_checked()


# --- locators every journey uses ----------------------------------------------------------


def heading(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.locator(".govuk-error-summary")


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")
