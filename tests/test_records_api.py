"""Departments, systems, interfaces, flows, data elements, projects, users; docs and health."""

from __future__ import annotations

import pytest


def _create(api, who, url, payload, status=201):
    r = api.as_(who).post(url, json=payload)
    assert r.status_code == status, r.get_json()
    return r.get_json(), r.headers.get("ETag")


def test_system_crud_and_filters(api):
    s, etag = _create(
        api,
        "editor_a",
        "/api/v1/systems",
        {"code": "RK", "name": "人口管理系统", "deployment": "政务云"},
    )
    assert s["department_id"] == api.world.dept_a and s["in_system_catalog"] is False
    assert s["project_ids"] == []
    _create(
        api,
        "editor_b",
        "/api/v1/systems",
        {"code": "SC", "name": "市场主体系统", "deployment": "政务外网", "in_system_catalog": True},
    )
    got = api.as_("ndrc").get("/api/v1/systems?in_system_catalog=false").get_json()
    assert [x["code"] for x in got] == ["RK"]
    got = api.as_("ndrc").get(f"/api/v1/systems?department_id={api.world.dept_b}").get_json()
    assert [x["code"] for x in got] == ["SC"]
    r = api.as_("editor_a").patch(
        f"/api/v1/systems/{s['id']}", json={"in_system_catalog": True}, etag=etag
    )
    assert r.get_json()["in_system_catalog"] is True and r.get_json()["name"] == "人口管理系统"
    assert (
        api.as_("editor_a").delete(f"/api/v1/systems/{s['id']}", etag=r.headers["ETag"]).status_code
        == 204
    )
    assert api.as_("editor_a").get(f"/api/v1/systems/{s['id']}").status_code == 404


def test_editor_cannot_move_a_system_to_another_department(api):
    s, etag = _create(
        api, "editor_a", "/api/v1/systems", {"code": "RK", "name": "人口", "deployment": "政务云"}
    )
    r = api.as_("editor_a").patch(
        f"/api/v1/systems/{s['id']}", json={"department_id": api.world.dept_b}, etag=etag
    )
    assert r.status_code == 403


def test_interface_serves_only_own_resources(api):
    own, _ = api.create_resource("editor_a")
    other, _ = api.create_resource("editor_b")
    i, etag = _create(
        api,
        "editor_a",
        "/api/v1/interfaces",
        {
            "name": "人口查询",
            "kind": "api",
            "platform_connected": True,
            "resource_ids": [own["id"]],
        },
    )
    assert i["resource_ids"] == [own["id"]]
    r = api.as_("editor_a").patch(
        f"/api/v1/interfaces/{i['id']}", json={"resource_ids": [other["id"]]}, etag=etag
    )
    assert r.status_code == 422 and "resource_ids" in r.get_json()["errors"]
    got = api.as_("auditor").get(f"/api/v1/interfaces?resource_id={own['id']}").get_json()
    assert [x["id"] for x in got] == [i["id"]]


def test_flow_derives_departments_from_systems(api):
    sa, _ = _create(
        api, "editor_a", "/api/v1/systems", {"code": "A", "name": "甲", "deployment": "政务云"}
    )
    sb, _ = _create(
        api, "editor_b", "/api/v1/systems", {"code": "B", "name": "乙", "deployment": "政务云"}
    )
    f, etag = _create(
        api,
        "editor_a",
        "/api/v1/flows",
        {"source_system_id": sa["id"], "target_system_id": sb["id"], "via_platform": False},
    )
    assert (f["source_department_id"], f["target_department_id"]) == (
        api.world.dept_a,
        api.world.dept_b,
    )
    r = api.as_("editor_a").post(
        "/api/v1/flows",
        json={
            "source_system_id": sa["id"],
            "source_department_id": api.world.dept_b,
            "target_department_id": api.world.dept_b,
        },
    )
    assert r.status_code == 422 and "source_department_id" in r.get_json()["errors"]
    got = api.as_("ndrc").get("/api/v1/flows?via_platform=false").get_json()
    assert [x["id"] for x in got] == [f["id"]]
    r = api.as_("editor_a").patch(
        f"/api/v1/flows/{f['id']}", json={"target_system_id": sa["id"]}, etag=etag
    )
    assert r.status_code == 200 and r.get_json()["target_department_id"] == api.world.dept_a


def test_data_elements_public_read_reviewer_write(api):
    e, etag = _create(
        api,
        "reviewer",
        "/api/v1/data-elements",
        {
            "identifier": "GMSFHM",
            "name": "公民身份号码",
            "data_type": "C",
            "format": "c18",
            "synonyms": ["身份证号", "居民身份证号"],
            "source_department_id": api.world.dept_a,
        },
    )
    got = api.as_(None).get("/api/v1/data-elements?q=身份").get_json()
    assert [x["identifier"] for x in got] == ["GMSFHM"]
    r = api.as_("reviewer").patch(
        f"/api/v1/data-elements/{e['id']}", json={"synonyms": ["身份证号码"]}, etag=etag
    )
    assert r.get_json()["synonyms"] == ["身份证号码"] and r.get_json()["format"] == "c18"
    _create(
        api,
        "reviewer",
        "/api/v1/data-elements",
        {"identifier": "GMSFHM", "name": "x", "data_type": "C"},
        409,
    )


def _project(api, **kw):
    payload = {"code": "XM-1", "name": "一网通办", "investment": "800", **kw}
    return _create(api, "editor_a", "/api/v1/projects", payload)


def _move(api, pid, etag, stage):
    return api.as_("ndrc").post(
        f"/api/v1/projects/{pid}/stage", json={"to_stage": stage, "reason": "批复"}, etag=etag
    )


def test_project_stages_follow_article_7(api):
    p, etag = _project(api, co_department_ids=[api.world.dept_b])
    assert p["stage"] == "planned" and p["co_department_ids"] == [api.world.dept_b]
    r = _move(api, p["id"], etag, "feasibility")
    assert r.status_code == 409 and r.get_json()["code"] == "stage_not_allowed"
    stages = [
        "proposal",
        "feasibility",
        "technical_review",
    ]  # 800万 < 1000万: no preliminary design needed
    for stage in stages:
        r = _move(api, p["id"], etag, stage)
        assert r.status_code == 200, r.get_json()
        etag = r.headers["ETag"]
    history = r.get_json()["stage_changes"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("planned", "proposal"),
        ("proposal", "feasibility"),
        ("feasibility", "technical_review"),
    ]


def test_large_project_needs_preliminary_design_and_plan_skips_proposal(api):
    p, etag = _project(api, investment="1500", in_county_plan=True)
    r = _move(api, p["id"], etag, "feasibility")  # Art. 7: in the plan → proposal may be skipped
    assert r.status_code == 200, r.get_json()
    r2 = _move(api, p["id"], r.headers["ETag"], "technical_review")
    assert r2.status_code == 409 and "preliminary_design" in r2.get_json()["message"]


def test_projects_filter_by_co_department(api):
    p, _ = _project(api, co_department_ids=[api.world.dept_b])
    got = api.as_("ndrc").get(f"/api/v1/projects?department_id={api.world.dept_b}").get_json()
    assert [x["id"] for x in got] == [p["id"]]


def test_users_and_tokens(api):
    u, _ = _create(
        api,
        "admin",
        "/api/v1/users",
        {"name": "li", "role": "dept_editor", "department_id": api.world.dept_b},
    )
    r = api.as_("admin").post(f"/api/v1/users/{u['id']}/tokens")
    token = r.get_json()["token"]
    me = api.client.post(
        "/api/v1/systems",
        json={"code": "LI", "name": "李的系统", "deployment": "政务云"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert me.status_code == 201 and me.get_json()["department_id"] == api.world.dept_b
    r = api.as_("admin").post("/api/v1/users", json={"name": "nodept", "role": "dept_editor"})
    assert r.status_code == 422 and "department_id" in r.get_json()["errors"]
    assert api.as_("auditor").get("/api/v1/users").status_code == 200
    assert api.as_("ndrc").get("/api/v1/users").status_code == 403


def test_tokens_are_stored_hashed(app, api):
    from sqlalchemy import select

    from registry.db import db
    from registry.models import ApiToken

    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and not any(t in stored for t in api.world.tokens.values())


def test_openapi_document_and_page(api):
    spec = api.as_(None).get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/resources",
        "/api/v1/resources/{resource_id}/items",
        "/api/v1/resources/{resource_id}/submit",
        "/api/v1/resources/{resource_id}/versions",
        "/api/v1/departments",
        "/api/v1/systems",
        "/api/v1/projects",
        "/api/v1/interfaces",
        "/api/v1/flows",
        "/api/v1/data-elements",
    ):
        assert path in spec["paths"], path
    props = spec["components"]["schemas"]["Resource"]["properties"]
    assert {"classification_code", "share_type", "update_cycle", "items"} <= set(props)
    page = api.as_(None).get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger" in page.data.lower()
    asset = api.as_(None).get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


@pytest.mark.parametrize("path", ["/", "/healthz"])
def test_home_and_health(api, path):
    r = api.as_(None).get(path)
    assert r.status_code == 200
    if path == "/healthz":
        assert r.get_json()["checks"]["database"] == "ok"
    else:
        assert "政务信息资源目录" in r.get_data(as_text=True)
