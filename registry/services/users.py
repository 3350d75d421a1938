"""Users, roles and API tokens (stored as SHA-256; a token is shown once)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..authz import (
    ADMIN,
    EDITOR,
    Actor,
    check_editable,
    may_manage_account,
    may_read_account,
    require_login,
    require_role,
)
from ..db import utcnow
from ..errors import Forbidden, Invalid, NotFound
from ..models import ROLES, ApiToken, Department, User
from ._records import add_record, ensure_unique, get_record, update_record

TOKEN_PREFIX = "reg_"


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast unsalted hash is safe here
    # (no dictionary to attack), and lookup stays one indexed equality.
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(data: dict[str, Any], session: Session) -> None:
    role = data.get("role")
    if role is not None and role not in ROLES:
        raise Invalid(errors={"role": [f"角色应为以下之一：{'、'.join(ROLES)}"]})
    if role == EDITOR and not data.get("department_id"):
        raise Invalid(errors={"department_id": ["部门编辑须属于一个部门"]})
    if data.get("department_id"):
        get_record(session, Department, data["department_id"], label="部门", field="department_id")


def create_user(session: Session, actor: Actor, *, data: dict[str, Any]) -> User:
    require_role(actor, ADMIN)
    _check_role(data, session)
    ensure_unique(session, User, "name", data["name"], label="用户名")
    return add_record(session, actor, User(**data), subject_type="user")


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
) -> User:
    require_role(actor, ADMIN)
    check_editable(actor, "user", changes)
    user = get_record(session, User, user_id, label="用户")
    _check_role({"role": user.role, "department_id": user.department_id, **changes}, session)
    if changes.get("active") is False and user.active:
        _revoke_all(session, user)
    if any(
        key in changes and changes[key] != getattr(user, key)
        for key in ("role", "department_id", "active")
    ):
        # Signed-in sessions carry the old rights: end them (services/signin.py).
        user.session_epoch += 1
    return update_record(
        session, actor, user, changes, expected_version=expected_version, subject_type="user"
    )


def user_by_name(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"用户“{name}”不存在", code="user_not_found")
    return user


def issue_token(
    session: Session, actor: Actor, *, user_id: int, expires_in_days: int | None = None
) -> str:
    """Create a token for a user, optionally expiring; returns the token, which is stored
    only hashed and shown this once. The admin for anyone, a user for themselves."""
    require_login(actor)
    user = get_record(session, User, user_id, label="用户")
    if not may_manage_account(actor, user.id):
        raise Forbidden("只能为自己签发令牌")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    row = ApiToken(
        user_id=user.id, token_hash=hash_token(token), prefix=token[:12], expires_at=expires_at
    )
    add_record(session, actor, row, subject_type="api_token")
    return token


def list_tokens(session: Session, actor: Actor, *, user_id: int) -> list[ApiToken]:
    """A user's tokens (never the tokens themselves: prefix, dates, state)."""
    require_login(actor)
    get_record(session, User, user_id, label="用户")
    if not may_read_account(actor, user_id):
        raise Forbidden("只能查看自己的令牌")
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def revoke_token(
    session: Session, actor: Actor, *, token_id: int, user_id: int | None = None
) -> ApiToken:
    """Revoke one token for good (revoking twice changes nothing)."""
    require_login(actor)
    row = get_record(session, ApiToken, token_id, label="令牌")
    if user_id is not None and row.user_id != user_id:
        raise NotFound(f"令牌（ID {token_id}）不存在")
    if not may_manage_account(actor, row.user_id):
        raise Forbidden("只能撤销自己的令牌")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "api_token.revoke", "api_token", row.id)
    return row


def _revoke_all(session: Session, user: User) -> None:
    """A deactivated user's tokens die with the deactivation: re-activating the user
    does not bring them back (new ones are issued)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def actor_for_token(session: Session, token: str) -> Actor | None:
    row = session.execute(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
    ).scalar_one_or_none()
    if row is None or not row.active:
        return None
    return actor_for_user(row)


def actor_for_user(user: User) -> Actor:
    return Actor(user.id, user.name, user.role, user.department_id)


def list_users(*, role: str | None = None, department_id: int | None = None) -> Select:
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    return stmt
