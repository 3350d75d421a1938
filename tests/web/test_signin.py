"""Sign-in and sessions (GB/T 22239 level 3): password rules and hashing, lockout after
five failures, sessions that end on idle, logout, deactivation and a change of role,
CSRF on every form, and the audit chain recording each of them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from registry.db import db
from registry.models import AuditEvent, User
from registry.services import signin, users

from ..helpers import SYSTEM
from .conftest import PASSWORD


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_five_wrong_passwords_lock_the_account(sqlite_site, people):
    person = people(sqlite_site)
    for attempt in range(1, 5):
        person.sign_in("editor_a", "Wrong-password-1")
        assert f"再错 {5 - attempt} 次" in person.page.locator("#login-error").inner_text()
    person.sign_in("editor_a", "Wrong-password-1")
    message = person.page.locator("#login-error")
    assert message.get_attribute("data-code") == "account_locked"
    assert "账户已锁定" in message.inner_text() and "15 分钟" in message.inner_text()
    person.shot("login-locked")
    # Locked means locked: the right password does not open it now.
    person.sign_in("editor_a", PASSWORD)
    assert person.page.url.endswith("/login")
    assert "账户已锁定" in person.page.locator("#login-error").inner_text()
    assert len(_audit(sqlite_site.app, "auth.lockout")) == 1
    assert len(_audit(sqlite_site.app, "auth.login_failed")) == 5
    assert len(_audit(sqlite_site.app, "auth.login_refused_locked")) == 1


def test_a_form_posted_without_its_csrf_token_is_refused(sqlite_site, people):
    person = people(sqlite_site)
    page = person.sign_in("admin")
    person.go("/admin/departments")
    page.fill("#f-name", "县审计局")
    page.fill("#f-code", "11330000000000909X")
    page.select_option("#f-kind", "政府")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="添加部门").click()
    assert "CSRF" in page.locator(".alert").inner_text()
    assert "县审计局" not in person.go("/admin/departments").text()


def test_sign_in_sign_out_and_the_audit(sqlite_site):
    client = sqlite_site.app.test_client()
    page = client.get("/login")
    token = _csrf(page.get_data(as_text=True))
    r = client.post(
        "/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/review")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/review").status_code == 200
    # A signed-in browser may read the API as itself, but never write through it.
    assert client.get("/api/v1/users/1/tokens").status_code in (200, 403)
    assert client.post("/api/v1/systems", json={}).status_code == 401
    r = client.post("/logout", data={"csrf_token": _csrf(client.get("/logout").text)})
    assert r.status_code == 303
    assert client.get("/review").status_code == 302  # to the sign-in page
    assert _audit(sqlite_site.app, "auth.login") and _audit(sqlite_site.app, "auth.logout")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(site, name: str):
    client = site.app.test_client()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return client


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"role": "auditor", "department_id": None}],
    ids=["deactivated", "role-changed"],
)
def test_a_change_of_rights_ends_the_users_sessions(sqlite_site, change):
    client = _signed_in(sqlite_site, "editor_a")
    assert client.get("/workspace").status_code == 200
    with sqlite_site.app.app_context():
        user = db.session.get(User, sqlite_site.world.user_ids["editor_a"])
        users.update_user(
            db.session, SYSTEM, user.id, changes=change, expected_version=user.version
        )
        db.session.commit()
    r = client.get("/workspace")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "会话已超时或已结束" in client.get("/login").text


def test_an_idle_session_ends(sqlite_site):
    sqlite_site.app.config["SESSION_IDLE_MINUTES"] = 30
    client = _signed_in(sqlite_site, "editor_a")
    with client.session_transaction() as session:
        session["seen"] -= 31 * 60
    assert client.get("/workspace").status_code == 302
    # A fresh sign-in works again, and an active one keeps going.
    client = _signed_in(sqlite_site, "editor_a")
    with client.session_transaction() as session:
        session["seen"] -= 29 * 60
    assert client.get("/workspace").status_code == 200


def test_changing_ones_password_needs_the_current_one(sqlite_site):
    client = _signed_in(sqlite_site, "editor_b")
    token = _csrf(client.get("/account").text)
    form = {"csrf_token": token, "password": "New-Password-9", "password_confirm": "New-Password-9"}
    r = client.post("/account/password", data={**form, "current_password": "nope"})
    assert r.status_code == 422 and "当前密码不正确" in r.text
    r = client.post("/account/password", data={**form, "current_password": PASSWORD})
    assert r.status_code == 303
    assert client.get("/account").status_code == 200  # this session carries on
    with sqlite_site.app.app_context():
        assert signin.sign_in(db.session, name="editor_b", password="New-Password-9")


def test_the_account_page_issues_lists_and_revokes_own_tokens(sqlite_site):
    client = _signed_in(sqlite_site, "ndrc")
    page = client.post("/account/tokens", data={"csrf_token": _csrf(client.get("/account").text)})
    token = re.search(r'id="new-token">([^<]+)<', page.text).group(1)
    api = sqlite_site.app.test_client()
    assert (
        api.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    token_id = re.findall(r"/account/tokens/(\d+)/revoke", page.text)[-1]
    r = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 303
    assert (
        api.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    # Another user's token is not this user's to revoke.
    other = users.list_tokens  # noqa: F841 — the service decides; the page only asks it
    admin_token = sqlite_site.world.tokens["admin"]
    with sqlite_site.app.app_context():
        admin_tokens = users.list_tokens(
            db.session, SYSTEM, user_id=sqlite_site.world.user_ids["admin"]
        )
    r = client.post(
        f"/account/tokens/{admin_tokens[0].id}/revoke", data={"csrf_token": _csrf(page.text)}
    )
    assert r.status_code == 404
    assert (
        api.get("/api/v1/projects", headers={"Authorization": f"Bearer {admin_token}"}).status_code
        == 200
    )


@given(st.text(max_size=20))
def test_password_rule(password):
    kinds = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    ok = len(password) >= 8 and kinds >= 3
    assert (signin.password_errors(password) == []) == ok


def test_passwords_are_stored_as_argon2id_and_never_audited(sqlite_site):
    with sqlite_site.app.app_context():
        user = db.session.get(User, sqlite_site.world.user_ids["auditor"])
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_the_command_line_sets_a_password_from_standard_input(sqlite_site, tmp_path):
    env = {
        "REGISTRY_DATABASE_URL": sqlite_site.app.config["DATABASE_URL"],
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    cli = [sys.executable, "-m", "registry.cli", "user", "password", "auditor"]
    weak = subprocess.run(cli, input="short\n", text=True, capture_output=True, env=env)
    assert weak.returncode != 0 and "至少 8 位" in weak.stderr
    ok = subprocess.run(cli, input="Piped-Secret-77\n", text=True, capture_output=True, env=env)
    assert ok.returncode == 0, ok.stderr
    with sqlite_site.app.app_context():
        assert signin.sign_in(db.session, name="auditor", password="Piped-Secret-77")


def test_a_browser_is_asked_to_sign_in_where_an_api_client_gets_401(sqlite_site):
    """The printable confirmation and every page: a person's browser is sent to /login
    (and back afterwards); a program still gets the JSON 401."""
    client = sqlite_site.app.test_client()
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/api/v1/confirmations/1/print", "/workspace"):
        r = client.get(path, headers=html)
        assert r.status_code == 302, path
        assert r.headers["Location"].startswith("/login?next=")
    r = client.get("/api/v1/confirmations/1/print", headers={"Accept": "application/json"})
    assert r.status_code == 401 and r.get_json()["code"] == "unauthenticated"
