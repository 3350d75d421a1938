"""Who is asking: a request becomes an ``Actor`` here and nowhere else.

Two credentials: an API token (``Authorization: Bearer``), and the web session cookie
set by /login. The cookie identifies the caller on the pages and on the API's reads
(a signed-in user opening a JSON link sees what the page shows); an API write takes a
bearer token only, so no other site can make a signed-in browser write through the API
(the pages' own forms carry CSRF tokens, checked in ``registry.web``).
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session

from .authz import Actor
from .db import db
from .errors import Unauthenticated
from .services.signin import SignedIn, session_actor
from .services.users import actor_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The idle clock is written back to the cookie at most this often, so a page's many
# requests do not each rewrite the cookie.
_SEEN_GRANULARITY = 60


def current_actor() -> Actor:
    if "actor" not in g:
        g.actor = _authenticate()
    return g.actor


def _authenticate() -> Actor:
    header = request.headers.get("Authorization")
    if speaks_ckan():
        # CKAN's clients send the bare token (ckanapi: Authorization and X-CKAN-API-Key).
        bare = header or request.headers.get("X-CKAN-API-Key")
        if bare and " " not in bare.strip():
            header = f"Bearer {bare.strip()}"
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "Authorization 请求头应为 “Bearer <令牌>”", code="bad_authorization"
            )
        actor = actor_for_token(db.session, token.strip())
        if actor is None:
            raise Unauthenticated("访问令牌无效或已撤销", code="invalid_token")
        return actor
    if request.path.startswith("/api/") and request.method not in SAFE_METHODS:
        return Actor.anonymous()
    return _session_actor() or Actor.anonymous()


def speaks_ckan() -> bool:
    """CKAN's Action API (read side only here): its clients POST their reads."""
    return request.path.startswith(("/api/3/action/", "/api/action/"))


def _session_actor() -> Actor | None:
    user_id, epoch, seen = session.get("uid"), session.get("epoch"), session.get("seen")
    if user_id is None:
        return None
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    actor = None
    if isinstance(seen, int) and now - seen <= idle:
        actor = session_actor(db.session, user_id=user_id, epoch=epoch)
    if actor is None:
        # Timed out, deactivated, role or password changed: the session is over.
        end_session()
        session["ended"] = True  # the sign-in page says why it is asked again
        return None
    if now - seen >= _SEEN_GRANULARITY:
        session["seen"] = now
    return actor


def begin_session(signed_in: SignedIn) -> None:
    """A fresh session after sign-in (never the one from before it: no fixation).

    The seam for the county's unified identity platform (统一身份认证, OIDC): its callback
    maps the verified claims to a local user and calls this, like /login does after a
    password; nothing else about sessions changes."""
    session.clear()
    session["uid"] = signed_in.actor.user_id
    session["epoch"] = signed_in.epoch
    session["seen"] = int(time.time())
    g.actor = signed_in.actor


def end_session() -> None:
    session.clear()
    g.pop("actor", None)
