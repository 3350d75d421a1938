"""Field-level rights and reads: re-homing, linking to foreign records, what each reader sees.

The role matrix (test_authz_matrix.py) checks who may call each route; these cases check
what a permitted caller may change through it and what every read shows.
"""

from __future__ import annotations

import pytest

from registry import unit_of_work
from registry.db import db
from registry.services import interfaces, projects, systems

from .factories import resource_in
from .helpers import SYSTEM


@pytest.fixture
def records(app, world):
    """Department A's system, interface and project; department B's draft, project and system."""
    with app.app_context():
        s = db.session
        out = {
            "system_a": systems.create_system(
                s,
                SYSTEM,
                data={
                    "code": "SYS-A",
                    "name": "甲系统",
                    "department_id": world.dept_a,
                    "deployment": "政务云",
                },
            ),
            "system_b": systems.create_system(
                s,
                SYSTEM,
                data={
                    "code": "SYS-B",
                    "name": "乙系统",
                    "department_id": world.dept_b,
                    "deployment": "政务云",
                },
            ),
            "interface_a": interfaces.create_interface(
                s, SYSTEM, data={"name": "甲接口", "kind": "api", "department_id": world.dept_a}
            ),
            "interface_b": interfaces.create_interface(
                s, SYSTEM, data={"name": "乙接口", "kind": "api", "department_id": world.dept_b}
            ),
            "project_a": projects.create_project(
                s,
                SYSTEM,
                data={
                    "code": "XM-A",
                    "name": "甲项目",
                    "lead_department_id": world.dept_a,
                    "investment": 100,
                },
            ),
            "project_b": projects.create_project(
                s,
                SYSTEM,
                data={
                    "code": "XM-B",
                    "name": "乙项目",
                    "lead_department_id": world.dept_b,
                    "investment": 100,
                },
            ),
            "draft_b": resource_in(world.dept_b_code, name="乙部门草稿资源"),
            "published_b": resource_in(
                world.dept_b_code, status="published", name="乙部门已发布资源"
            ),
        }
        ids = {k: (v.id, v.etag, getattr(v, "code", None)) for k, v in out.items()}
        s.commit()
    return ids


# (what, role, url, body) → expected status: re-homing and foreign links
FIELD_CASES = [
    ("interface re-homed by its editor", "editor_a", "interface_a", {"department_id": "B"}, 403),
    ("interface re-homed by the admin", "admin", "interface_a", {"department_id": "B"}, 403),
    ("system re-homed by its editor", "editor_a", "system_a", {"department_id": "B"}, 403),
    ("system re-homed by the admin", "admin", "system_a", {"department_id": "B"}, 200),
    (
        "system linked to a foreign project",
        "editor_a",
        "system_a",
        {"project_ids": ["project_b"]},
        403,
    ),
    (
        "system linked to its own project",
        "editor_a",
        "system_a",
        {"project_ids": ["project_a"]},
        200,
    ),
    (
        "system linked to any project by the admin",
        "admin",
        "system_a",
        {"project_ids": ["project_b"]},
        200,
    ),
    (
        "project lead changed by its editor",
        "editor_a",
        "project_a",
        {"lead_department_id": "B"},
        403,
    ),
    ("project lead changed by 发改委", "ndrc", "project_a", {"lead_department_id": "B"}, 200),
    ("project stage written directly", "ndrc", "project_a", {"stage": "accepted"}, 422),
    (
        "interface serving a foreign draft",
        "editor_a",
        "interface_a",
        {"resource_ids": ["draft_b"]},
        422,
    ),
]
PATHS = {"interface": "interfaces", "system": "systems", "project": "projects"}


@pytest.mark.parametrize("case", FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_field_level_rights(api, world, records, case):
    _, role, target, body, expected = case

    def value(v):
        if v == "B":
            return world.dept_b
        return [records[x][0] for x in v] if isinstance(v, list) else v

    record_id, etag, _ = records[target]
    url = f"/api/v1/{PATHS[target.split('_')[0]]}/{record_id}"
    r = api.as_(role).patch(url, json={k: value(v) for k, v in body.items()}, etag=etag)
    assert r.status_code == expected, r.get_json()
    if expected == 403:
        assert r.get_json()["code"] in ("field_not_editable", "foreign_project")
    if expected != 200:
        assert records["draft_b"][2] not in r.get_data(
            as_text=True
        )  # a foreign draft is never named


def test_flow_references_must_be_readable_and_linkable(api, world, records):
    base = {"source_department_id": world.dept_a, "target_department_id": world.dept_b}
    draft_id, _, draft_code = records["draft_b"]
    r = api.as_("editor_a").post("/api/v1/flows", json={**base, "resource_id": draft_id})
    assert r.status_code == 422 and draft_code not in r.get_data(as_text=True)
    assert r.get_json()["errors"]["resource_id"] == ["信息资源不存在"]
    r = api.as_("editor_a").post(
        "/api/v1/flows", json={**base, "resource_id": records["published_b"][0]}
    )
    assert r.status_code == 201, r.get_json()
    r = api.as_("editor_a").post(
        "/api/v1/flows", json={**base, "project_id": records["project_b"][0]}
    )
    assert r.status_code == 403 and r.get_json()["code"] == "foreign_project"
    r = api.as_("editor_a").post(
        "/api/v1/flows", json={**base, "project_id": records["project_a"][0]}
    )
    assert r.status_code == 201
    third = {
        "source_department_id": world.dept_a,
        "target_department_id": world.dept_a,
        "interface_id": records["interface_b"][0],
    }
    r = api.as_("editor_a").post("/api/v1/flows", json=third)
    assert r.status_code == 422 and "interface_id" in r.get_json()["errors"]


def _resource_nodes(body: dict) -> set[int]:
    nodes = body["nodes"] + [body["node"]] if "node" in body else body["nodes"]
    return {int(n["id"].split(":")[1]) for n in nodes if n["id"].startswith("resource:")}


@pytest.mark.parametrize(
    "role, sees_draft",
    [
        ("editor_a", False),
        ("ndrc", False),
        ("editor_b", True),
        ("reviewer", True),
        ("auditor", True),
    ],
)
def test_graph_shows_only_readable_entries(api, world, records, role, sees_draft):
    draft, published = records["draft_b"][0], records["published_b"][0]
    r = api.as_(role).get(f"/api/v1/graph/department/{world.dept_b}?depth=1&scope_kind=all")
    assert r.status_code == 200, r.get_json()
    assert published in _resource_nodes(r.get_json())
    assert (draft in _resource_nodes(r.get_json())) is sees_draft
    exported = api.as_(role).get("/api/v1/graph/export?format=json").get_json()
    assert published in _resource_nodes(exported)
    assert (draft in _resource_nodes(exported)) is sees_draft
    node = api.as_(role).get(f"/api/v1/graph/resource/{draft}?scope_kind=all")
    assert node.status_code == (200 if sees_draft else 404)


STATES = ("draft", "submitted", "published", "retired")
VIEWERS = ("anonymous", "editor_a", "editor_b", "ndrc", "reviewer", "auditor", "admin")


def test_one_visibility_for_reads_and_search(app, api, world):
    """The catalog list, the item view and search agree for every viewer on every state."""
    made = {}
    with app.app_context():
        for state in STATES:
            for open_type in ("无条件开放", "不予开放"):
                made[(state, open_type)] = resource_in(
                    world.dept_a_code,
                    status=state,
                    open_type=open_type,
                    name=f"可见性{state}{open_type}",
                ).id
        unit_of_work.commit(app)  # commit, then index: as any entry point ends
    expected = {
        "anonymous": {("published", "无条件开放")},
        "editor_a": set(made),
        "reviewer": set(made),
        "auditor": set(made),
        "admin": set(made),
        "editor_b": {("published", "无条件开放"), ("published", "不予开放")},
        "ndrc": {("published", "无条件开放"), ("published", "不予开放")},
    }
    for viewer in VIEWERS:
        client = api.as_(None if viewer == "anonymous" else viewer)
        listed = {r["id"] for r in client.get("/api/v1/resources?q=可见性&page_size=50").get_json()}
        found = {h["id"] for h in client.get("/api/v1/search?q=可见性&limit=50").get_json()["hits"]}
        single = {
            rid
            for rid in made.values()
            if client.get(f"/api/v1/resources/{rid}").status_code == 200
        }
        want = {made[k] for k in expected[viewer]}
        assert listed == found == single == want, viewer
