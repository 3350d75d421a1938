"""Sign-in, sign-out and the account page (password, API tokens)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from ..db import db
from ..errors import RegistryError
from ..identity import begin_session, current_actor, end_session
from ..models import User
from ..services import signin, users
from ..services._records import get_record
from .common import FormErrors, done, safe_next, signed_in

bp = Blueprint("auth", __name__)


def _home_for(role: str | None) -> str:
    return {
        "dept_editor": url_for("workspace.index"),
        "center_reviewer": url_for("review.queue"),
        "admin": url_for("admin.users_page"),
    }.get(role or "", url_for("web.search_page"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = request.values.get("next")
    if request.method == "GET":
        if current_actor().authenticated:
            return redirect(safe_next(target, _home_for(current_actor().role)))
        message = "会话已超时或已结束，请重新登录" if session.pop("ended", None) else None
        return render_template("auth/login.html", next=target, message=message)
    name = request.form.get("username", "").strip()
    try:
        signed_in = signin.sign_in(db.session, name=name, password=request.form.get("password", ""))
    except signin.SignInFailed as exc:
        # The failed attempt (and a lockout) is recorded even though the answer is an error.
        g.keep_on_error = True
        return render_template(
            "auth/login.html", next=target, username=name, failure=exc.message, code=exc.code
        ), 401
    begin_session(signed_in)
    return redirect(safe_next(target, _home_for(signed_in.actor.role)), code=303)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    actor = current_actor()
    if request.method == "GET":
        return render_template("auth/logout.html")
    if actor.authenticated:
        signin.sign_out(db.session, actor)
    end_session()
    flash("已退出登录", "success")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/account")
def account():
    actor = current_actor()
    if not actor.authenticated:
        return redirect(url_for("auth.login", next=request.path))
    return _account_page(actor)


def _account_page(actor, *, errors: FormErrors | None = None, new_token: str | None = None):
    user = get_record(db.session, User, actor.user_id, label="用户")
    tokens = users.list_tokens(db.session, actor, user_id=actor.user_id)
    status = 422 if errors else 200
    return render_template(
        "auth/account.html", user=user, tokens=tokens, errors=errors, new_token=new_token
    ), status


@bp.post("/account/password")
def change_password():
    actor = signed_in()
    new = request.form.get("password", "")
    errors = None
    if new != request.form.get("password_confirm", ""):
        errors = FormErrors({"password_confirm": ["两次输入的新密码不一致"]})
    else:
        try:
            signin.set_password(
                db.session,
                actor,
                user_id=actor.user_id,
                password=new,
                current_password=request.form.get("current_password", ""),
            )
        except RegistryError as exc:
            errors = FormErrors.of(exc)
    if errors:
        return _account_page(actor, errors=errors)
    # The password change ended every session of this user; this one carries on.
    user = get_record(db.session, User, actor.user_id, label="用户")
    begin_session(signin.SignedIn(actor, user.session_epoch))
    return done("密码已修改；其他已登录的会话均已结束", "auth.account")


@bp.post("/account/tokens")
def issue_token():
    actor = signed_in()
    raw = request.form.get("expires_in_days", "").strip()
    days = int(raw) if raw.isdigit() else None
    if raw and not (days and 1 <= days <= 3650):
        return _account_page(
            actor, errors=FormErrors({"expires_in_days": ["有效期应为 1 到 3650 天"]})
        )
    token = users.issue_token(db.session, actor, user_id=actor.user_id, expires_in_days=days)
    # Shown once, on this response only; stored hashed.
    return _account_page(actor, new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    actor = signed_in()
    users.revoke_token(db.session, actor, token_id=token_id, user_id=actor.user_id)
    return done("令牌已撤销", "auth.account")
