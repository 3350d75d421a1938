"""Web sign-in (登录): passwords, lockout, and what makes a session cookie still valid.

GB/T 22239-2019 level 3 asks for identification that cannot be guessed at leisure:
passwords of some strength, stored by a slow one-way function, and a lockout after
repeated failures, every attempt audited. Sessions themselves live in signed cookies
(DESIGN.md: web workers keep nothing in memory); the user's ``session_epoch`` ends
them all at once when the user is deactivated or changes role, department or password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..authz import Actor, may_manage_account
from ..db import utcnow
from ..errors import Forbidden, Invalid, RegistryError
from ..models import User
from ._records import get_record
from .users import actor_for_user

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128  # hashing cost is per byte too; longer is no safer in practice
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)

# Argon2id with the library's defaults (RFC 9106's second recommended profile: 64 MiB,
# 3 passes, 4 lanes): about 50 ms a sign-in on this machine, which is what an attacker
# pays per guess too.
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so an attacker cannot tell a wrong
    name from a wrong password by the time the answer takes. Made on first use, not at
    import: hashing takes 64 MiB and a third of a second, which every command-line start
    and every import would otherwise pay."""
    return _hasher.hash("not a password of anyone")


class SignInFailed(RegistryError):
    status, code, message = 401, "sign_in_failed", "用户名或密码错误"


class AccountLocked(SignInFailed):
    code = "account_locked"


def password_errors(password: str) -> list[str]:
    """The password rule: at least 8 characters, three of four kinds (upper and lower
    case letters, digits, other characters)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return [f"密码至少 {PASSWORD_MIN_LENGTH} 位"]
    if len(password) > PASSWORD_MAX_LENGTH:
        return [f"密码不能超过 {PASSWORD_MAX_LENGTH} 位"]
    kinds = (
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    if sum(kinds) < 3:
        return ["密码须包含大写字母、小写字母、数字、其他字符中的至少三类"]
    return []


def set_password(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    password: str,
    current_password: str | None = None,
) -> User:
    """Set a user's password: the admin for anyone (a reset), a user for themselves with
    their current password. Every session of the user ends (a new epoch)."""
    user = get_record(session, User, user_id, label="用户")
    if not may_manage_account(actor, user.id):
        raise Forbidden("只能修改自己的密码")
    # Changing one's own password proves the old one (a walked-away session cannot).
    own = actor.user_id == user.id and user.password_hash is not None
    if own and (current_password is None or not _verify(user.password_hash, current_password)):
        raise Invalid(errors={"current_password": ["当前密码不正确"]})
    if errors := password_errors(password):
        raise Invalid(errors={"password": errors})
    user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until = 0, None
    user.session_epoch += 1
    session.flush()
    # The audit names the event, never the hash.
    audit.record(session, actor, "user.password", "user", user.id)
    return user


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    epoch: int


def sign_in(session: Session, *, name: str, password: str, now: datetime | None = None) -> SignedIn:
    """Check a name and password. A failure is recorded (and must be committed by the
    caller although it answers with an error): five in a row lock the account for 15
    minutes, and the lockout is audited."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.name == name))
    anonymous = Actor(None, name[:64], None)
    if user is None or user.password_hash is None or not user.active:
        _verify(_dummy_hash(), password)
        audit.record(session, anonymous, "auth.login_failed", "user", user.id if user else None)
        raise SignInFailed()
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, anonymous, "auth.login_refused_locked", "user", user.id)
        raise AccountLocked(_locked_message(user.locked_until, now))
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        audit.record(session, anonymous, "auth.login_failed", "user", user.id)
        if user.failed_logins >= MAX_FAILED_ATTEMPTS:
            user.failed_logins, user.locked_until = 0, now + LOCKOUT
            audit.record(session, anonymous, "auth.lockout", "user", user.id)
            raise AccountLocked(_locked_message(user.locked_until, now))
        left = MAX_FAILED_ATTEMPTS - user.failed_logins
        raise SignInFailed(f"用户名或密码错误；再错 {left} 次账户将锁定 15 分钟")
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    actor = actor_for_user(user)
    audit.record(session, actor, "auth.login", "user", user.id)
    return SignedIn(actor, user.session_epoch)


def sign_out(session: Session, actor: Actor) -> None:
    audit.record(session, actor, "auth.logout", "user", actor.user_id)


def session_actor(session: Session, *, user_id: int, epoch: int) -> Actor | None:
    """The actor behind a session cookie, or None when the session has ended: the user
    is gone or inactive, or a change since sign-in (role, department, password,
    deactivation) moved the epoch on."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return actor_for_user(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return f"连续 {MAX_FAILED_ATTEMPTS} 次密码错误，账户已锁定，请 {minutes} 分钟后再试"
