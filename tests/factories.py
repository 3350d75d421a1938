"""Records in a given state, made the way users make them: through the API (as a role) or
through the services (as the system). One helper per kind of record, shared by every test."""

from __future__ import annotations

from typing import Any

from catalog_schemas import ResourceSchema
from registry.db import db
from registry.services import resources

from .helpers import SYSTEM, ApiClient, resource_payload

# The workflow steps that bring a new entry to each status.
STEPS = {
    "draft": [],
    "submitted": ["submit"],
    "published": ["submit", "publish"],
    "retired": ["submit", "publish", "retire"],
}


def published(api: ApiClient, who: str = "editor_a", **payload: Any) -> dict:
    """Register an entry as ``who``, submit it, and have the reviewer publish it."""
    body, etag = api.create_resource(who, **payload)
    etag = (
        api.as_(who)
        .post(f"/api/v1/resources/{body['id']}/submit", json={}, etag=etag)
        .headers["ETag"]
    )
    r = api.as_("reviewer").post(f"/api/v1/resources/{body['id']}/publish", json={}, etag=etag)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def resource_in(dept_code: str, status: str = "draft", **overrides: Any):
    """An entry of the department in ``status``, made through the services (inside an app
    context; the caller commits)."""
    res = resources.create_resource(
        db.session,
        SYSTEM,
        data=ResourceSchema().load(resource_payload(provider_code=dept_code, **overrides)),
    )
    for action in STEPS[status]:
        res = resources.transition_resource(
            db.session, SYSTEM, res.id, action=action, reason="测试", expected_version=res.version
        )
    return res
