"""Real Chromium (Debian's `chromium`, driven by Playwright) against the real service.

One browser for the whole session; a fresh context (cookies, storage) per test. The service runs
as production runs it (granian, tests/http/service_process.py) with FT_ENV=development, so the
demo pages and the local sign-in exist, on a migrated database of its own; each test signs in a
new user. A second static server on another port serves the same pages from another origin.
Screenshots of every page still open when a test fails are kept under that test's tmp_path.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "http"))  # service_process, live_http

from service_process import ServiceProcess, free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Short waits so the file runs in seconds; production's are 1.5 s and 10 s.
FAST = {"debounceMs": 250, "maxWaitMs": 2000, "retryBaseMs": 200, "retryMaxMs": 800}
WAIT_MS = 15_000  # how long a test waits for the page to reach a state


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def other_origin_port() -> int:
    """The port of the static server that plays the tool pages' own host."""
    return free_port()


@pytest.fixture(scope="session")
def service(
    migrated_url_factory, tmp_path_factory, other_origin_port: int
) -> Iterator[ServiceProcess]:
    """The service in development mode, allowing the other origin's pages (CORS_ORIGINS)."""
    overrides = {
        "FT_ENV": "development",
        "CORS_ORIGINS": f"http://127.0.0.1:{other_origin_port}",
    }
    process = ServiceProcess(
        migrated_url_factory(), tmp_path_factory.mktemp("service"), workers=1, overrides=overrides
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def running(service: ServiceProcess) -> ServiceProcess:
    """The service, started again if an earlier test stopped it and failed before restarting."""
    if service.process is None or service.process.poll() is not None:
        service.start()
    return service


@pytest.fixture(scope="session")
def other_origin(
    tmp_path_factory, other_origin_port: int, service: ServiceProcess
) -> Iterator[str]:
    """The demo pages on another origin, loading the client (and signing in) from the service,
    as the real program's static host serves them."""
    root = tmp_path_factory.mktemp("static-host")
    for name in ("woop.html", "know-thyself.html"):
        page = (REPO / "demo" / "tools" / name).read_text(encoding="utf-8")
        for attribute in ('src="', 'href="', 'data-ft-sign-in="'):  # the service's own paths
            for path in ("/static/", "/tools/tools.css", "/dev/sign-in"):
                page = page.replace(attribute + path, attribute + service.base_url + path)
        (root / name).write_text(page, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", other_origin_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{other_origin_port}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed test's open pages as screenshots under its tmp_path, named in the report."""
    report = yield
    context = getattr(item, "funcargs", {}).get("context")
    if report.when == "call" and report.failed and context is not None:
        shots = item.funcargs["tmp_path"] / "screenshots"
        shots.mkdir(exist_ok=True)
        for number, page in enumerate(context.pages):
            if not page.is_closed():
                page.screenshot(path=shots / f"page-{number}.png", full_page=True)
        report.sections.append(("screenshots", f"the open pages at the failure: {shots}"))
    return report


@pytest.fixture
def context(browser: Browser, tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh browser profile with the short waits (screenshots on failure: the hook above)."""
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(f"window.fastTrackOptions = {_js(FAST)};")
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def email() -> str:
    return f"leader-{uuid.uuid4().hex[:10]}@example.com"


def _js(value: dict[str, int]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
