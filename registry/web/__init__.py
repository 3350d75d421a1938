"""Server-rendered pages in Simplified Chinese, one blueprint per area.

The pages call the same services as the API (never their own queries or rules), sign
people in with a session cookie (``registry.identity``), and protect every form with a
CSRF token. Errors reach a person as a page: ``api/errors.py`` maps them to a status,
``error_page`` here renders them (a 401 on a page is the sign-in page).
"""

from __future__ import annotations

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..identity import SAFE_METHODS, current_actor
from . import (
    admin,
    auth,
    common,
    dashboard,
    dcat,
    findings,
    graph,
    projects,
    public,
    review,
    sharing,
    systems,
    workspace,
)

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    if "SESSION_COOKIE_SECURE" not in app.config or app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["PUBLIC_BASE_URL"].startswith("https:")
    csrf.init_app(app)
    for module in (
        public,
        auth,
        workspace,
        systems,
        review,
        sharing,
        findings,
        projects,
        graph,
        dashboard,
        admin,
        dcat,
    ):
        app.register_blueprint(module.bp)
    app.extensions["registry.error_page"] = error_page
    app.before_request(_protect_forms)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.context_processor(_template_globals)
    app.jinja_env.filters["localtime"] = common.local_time


def _protect_forms() -> None:
    # Every form the pages serve carries a CSRF token; the JSON API takes writes only with
    # a bearer token (identity.py), which a forged cross-site request cannot carry.
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    if current_app.config.get("WTF_CSRF_ENABLED", True):  # off only in the role matrix test
        csrf.protect()


def _csrf_refused(error: CSRFError):
    return render_template(
        "error.html",
        status=400,
        code="csrf_failed",
        message="表单已过期或来源无法确认（缺少 CSRF 令牌），请返回刷新页面后重新提交",
        errors={},
    ), 400


def error_page(status: int, code: str, message: str, errors: dict, headers=None):
    if status == 401 and request.method in SAFE_METHODS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    body = render_template("error.html", status=status, code=code, message=message, errors=errors)
    return body, status, headers or {}


def _template_globals() -> dict:
    return {
        "actor": current_actor(),
        "role_labels": common.ROLE_LABELS,
        "status_labels": common.STATUS_LABELS,
        "action_labels": common.ACTION_LABELS,
        "waiting": common.waiting,
    }
