"""Records in a given state, made the way users make them: through the API (as a role) or
through the services (as the system). One helper per kind of record, shared by every test."""

from __future__ import annotations

from typing import Any

from catalog_schemas import ResourceSchema
from registry.db import db
from registry.models import Project
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


def share_request(world, status: str = "pending"):
    """A request by department B's system for department A's published, 有条件共享 entry,
    made through the services (inside an app context; the caller commits). ``status``:
    pending, needs_info, overdue (pending past its deadline) or approved (with a grant)."""
    from datetime import timedelta

    from flask import current_app

    from registry.services import sharing, systems

    settings = sharing.SharingSettings.from_config(current_app.config)
    entry = resource_in(world.dept_a_code, "published")
    system_b = systems.create_system(
        db.session,
        SYSTEM,
        data={
            "code": f"SYS-SR-{entry.id}",
            "name": "申请方系统",
            "deployment": "政务云",
            "department_id": world.dept_b,
        },
    )
    request = sharing.create_share_request(
        db.session,
        SYSTEM,
        data={
            "resource_id": entry.id,
            "requester_system_id": system_b.id,
            "purpose": "核验",
            "business_matter": "企业开办",
            "period_start": settings.today(),
        },
        settings=settings,
    )
    if status == "needs_info":
        sharing.answer_share_request(
            db.session,
            SYSTEM,
            request.id,
            action="ask",
            reason="请补充",
            expected_version=request.version,
            settings=settings,
        )
    elif status == "overdue":
        request.due_date = settings.today() - timedelta(days=1)
    elif status == "approved":
        sharing.answer_share_request(
            db.session,
            SYSTEM,
            request.id,
            action="approve",
            reason=None,
            expected_version=request.version,
            settings=settings,
        )
    db.session.flush()
    return request


def confirmable_project(
    api: ApiClient, *, investment="300", in_catalog=True, stage="construction", app=None
) -> tuple[int, int]:
    """A project of editor_a's department at ``stage``, whose one system (in the system
    catalog or not) holds a published resource served through the platform: every
    confirmation check passes. Returns (project id, resource id)."""
    s = api.as_("editor_a").post(
        "/api/v1/systems",
        json={
            "code": f"SYS-{investment}",
            "name": "一网通办系统",
            "deployment": "政务云",
            "in_system_catalog": in_catalog,
        },
    )
    system = s.get_json()
    body, etag = api.create_resource(system_ids=[system["id"]], name="社会救助对象信息")
    etag = (
        api.as_("editor_a")
        .post(f"/api/v1/resources/{body['id']}/submit", json={}, etag=etag)
        .headers["ETag"]
    )
    api.as_("reviewer").post(f"/api/v1/resources/{body['id']}/publish", json={}, etag=etag)
    i = api.as_("editor_a").post(
        "/api/v1/interfaces",
        json={
            "name": "救助对象查询",
            "kind": "api",
            "platform_connected": True,
            "resource_ids": [body["id"]],
        },
    )
    assert i.status_code == 201
    p = (
        api.as_("editor_a")
        .post(
            "/api/v1/projects",
            json={"code": f"XM-{investment}", "name": "社会救助一件事", "investment": investment},
        )
        .get_json()
    )
    r = api.as_("editor_a").patch(
        f"/api/v1/systems/{system['id']}", json={"project_ids": [p["id"]]}, etag=s.headers["ETag"]
    )
    assert r.status_code == 200
    with app.app_context():
        db.session.get(Project, p["id"]).stage = stage
        db.session.commit()
    return p["id"], body["id"]
