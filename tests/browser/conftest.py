"""Browser tests: the real app (CSRF on) served by werkzeug on a free port, driven by Chromium.

Skipped only when /usr/bin/chromium is missing *and* REQUIRE_BROWSER is unset; with
REQUIRE_BROWSER=1 a missing browser fails the run. Screenshots go to tests/screenshots/.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import helpers
from tests.conftest import fresh_database
from webapp import create_app

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def _require_browser() -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def db(request, tmp_path, sqlite_template):
    yield from fresh_database(request, tmp_path, sqlite_template, check=False)


class Server:
    def __init__(self, app) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.thread.join(5)


@pytest.fixture
def server(browser, db, tmp_path):
    app = create_app({"SECRET_KEY": "browser-tests", "ATTACHMENTS_DIR": str(tmp_path / "attachments")}, db=db)
    running = Server(app)
    yield running
    running.stop()


class Session:
    """One person's browser context, logged in through the login page."""

    def __init__(self, browser, server: Server, username: str | None = None, phone: bool = False) -> None:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.url = server.url
        if username:
            self.login(username)

    def login(self, username: str) -> None:
        page = self.page
        page.goto(self.url + "/login")
        page.fill("#username", username)
        page.fill("#password", helpers.PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[:2000]

    def go(self, path: str):
        self.page.goto(self.url + path)
        return self.page

    def shot(self, name: str, full_page: bool = True) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def as_user(browser, server):
    sessions: list[Session] = []

    def open_session(username: str | None = None, phone: bool = False) -> Session:
        session = Session(browser, server, username, phone)
        sessions.append(session)
        return session
    yield open_session
    for session in sessions:
        session.close()
