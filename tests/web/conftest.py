"""The pages in a real browser: Debian's Chromium driven by Playwright, against the app
served over HTTP on SQLite and on PostgreSQL, each role signed in with a password."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry import search
from registry.db import db
from registry.demo import load_demo
from registry.search import maintenance
from registry.services import signin

from ..conftest import BACKENDS, ROOT, fresh_database, make_app, served
from ..helpers import SYSTEM, ApiClient, World, build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A test fixture's password (meets the rule: three kinds of character), not a secret.
PASSWORD = "Registry-Test-2026"
SCREENSHOTS = Path(os.environ.get("REGISTRY_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"


@dataclass
class Site:
    app: object
    world: World
    base: str
    backend: str

    def url(self, path: str) -> str:
        return self.base + path


def set_passwords(app, world: World) -> None:
    with app.app_context():
        for user_id in world.user_ids.values():
            signin.set_password(db.session, SYSTEM, user_id=user_id, password=PASSWORD)
        db.session.commit()


@pytest.fixture(params=BACKENDS)
def site(request, tmp_path):
    app = make_app(fresh_database(request.param, tmp_path, request), tmp_path)
    world = build_world(app)
    set_passwords(app, world)
    with served(app) as base:
        yield Site(app, world, base, request.param)


@pytest.fixture
def sqlite_site(request, tmp_path):
    """For flows that write nothing database-specific (sign-in rules, CSRF)."""
    app = make_app(fresh_database("sqlite", tmp_path, request), tmp_path)
    world = build_world(app)
    set_passwords(app, world)
    with served(app) as base:
        yield Site(app, world, base, "sqlite")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Browsing:
    """One person's browser (its own cookies), with what the console reported."""

    def __init__(self, browser, site: Site, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.site = site
        self.console_errors: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        # A form answered 422 is logged by Chromium as a failed load: that is the page
        # working. Anything else (a script error, a CSP refusal) fails the test.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)

    def go(self, path: str):
        response = self.page.goto(self.site.url(path))
        return response

    def sign_in(self, name: str, password: str = PASSWORD):
        self.go("/login")
        self.page.fill("#username", name)
        self.page.fill("#password", password)
        self.page.click("form button[type=submit]")
        return self.page

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def wait_for_run(self) -> None:
        """After 运行分析: the progress page refreshes until the run's page follows."""
        self.page.wait_for_url(re.compile(r"/findings/runs/\d+$"), timeout=120_000)

    def flash(self) -> str:
        return " ".join(self.page.locator(".flash").all_inner_texts())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def people(browser):
    """Open browsers for several people; each closed at the end, none with console
    errors (a Content-Security-Policy refusal would show there)."""
    opened: list[Browsing] = []

    def open_for(site: Site, width: int = 1280) -> Browsing:
        b = Browsing(browser, site, width)
        opened.append(b)
        return b

    yield open_for
    errors = [e for b in opened for e in b.console_errors]
    for b in opened:
        b.close()
    assert not errors, errors


def publish(api: ApiClient, **fields) -> dict:
    body, etag = api.create_resource(**fields)
    etag = (
        api.as_("editor_a")
        .post(f"/api/v1/resources/{body['id']}/submit", json={}, etag=etag)
        .headers["ETag"]
    )
    r = api.as_("reviewer").post(f"/api/v1/resources/{body['id']}/publish", json={}, etag=etag)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.fixture
def county(site):
    """The demo county served on a fresh database (each request its own connection, as in
    production), indexed; one draft and one published entry not open to the public, both
    named so that a search for 人口 would find them if it could."""
    app = site.app
    with app.app_context():
        load_demo(db.session, scale="county")
        db.session.commit()
    api = ApiClient(app.test_client(), site.world)
    draft, _ = api.create_resource(name="人口私有草稿", open_type="不予开放")
    closed = publish(api, name="人口内部共享名册", open_type="不予开放")
    with app.app_context():
        maintenance.rebuild(db.session, search.backend(app))
        db.session.commit()
    return {"draft": draft, "closed": closed, "app": app, "api": api, "base": site.base}
