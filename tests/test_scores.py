"""共享范围、程度: the figures come from the records, per department, resource, system and
project and for the county; the workbook carries the same figures."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import insert

from registry.db import db
from registry.models import (
    Department,
    InformationSystem,
    Project,
    ShareRequest,
    resource_systems,
)
from registry.services import systems

from .factories import published, share_request
from .helpers import SYSTEM


def test_scores_count_what_was_recorded(app, api):
    published(api, "editor_a")  # shareable but not served through the platform
    published(
        api,
        "editor_a",
        share_type="不予共享",
        share_condition="《统计法》第二十五条",
        share_method_class=None,
        share_method_platform=None,
    )
    with app.app_context():
        approved = share_request(api.world, "approved")
        late = share_request(api.world, "overdue")
        late.answered_late, late.status, late.answer_days = True, "refused", 12
        pending = share_request(api.world)
        db.session.commit()
        assert db.session.get(ShareRequest, approved.id).answer_days == 0
        pending_id = pending.id
    body = api.as_("ndrc").get("/api/v1/sharing-scores").get_json()
    assert body["scope"] == "department"
    a = next(d for d in body["rows"] if d["id"] == api.world.dept_a)
    # 2 published by the test + 3 published by the factory requests
    assert a["resources"] == 5 and a["shareable"] == 4 and a["via_platform"] == 0
    assert a["requests"] == 3 and a["answered"] == 2 and a["answered_on_time"] == 1
    assert a["approved"] == 1 and a["active_grants"] == 1 and a["consumers"] == 1
    assert a["median_answer_days"] == 6  # median of 0 and 12
    assert a["ratios"]["on_time"] == round(1 / 3, 4) and a["ratios"]["via_platform"] == 0
    assert a["score"] == round(100 * (0.4 * 0 + 0.3 * (1 / 3) + 0.2 * 0.5 + 0.1 * 1), 1)
    b = next(d for d in body["rows"] if d["id"] == api.world.dept_b)
    assert b["requests"] == 0 and b["ratios"]["on_time"] == 1.0  # not asked: not marked down
    county = body["county"]
    assert county["requests"] == 3 and county["resources"] == a["resources"] + b["resources"]
    assert pending_id

    r = api.as_("ndrc").get("/api/v1/sharing-scores/export")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(2, values_only=True)
    }
    assert rows["县公安局"]["收到申请"] == 3 and rows["全县（全部部门）"]["收到申请"] == 3
    assert api.as_(None).get("/api/v1/sharing-scores").status_code == 401


def test_scores_per_resource_system_and_project(app, api):
    """A resource held by two systems of one project counts once for the project; a
    department filter keeps only its rows; the county does not depend on the scope."""
    with app.app_context():
        approved = share_request(api.world, "approved")
        late = share_request(api.world, "overdue")
        late.answered_late, late.status, late.answer_days = True, "refused", 12
        pending = share_request(api.world)
        db.session.flush()

        def holding(code: str, *requests: ShareRequest) -> InformationSystem:
            system = systems.create_system(
                db.session,
                SYSTEM,
                data={
                    "code": code,
                    "name": f"提供方系统{code}",
                    "deployment": "政务云",
                    "department_id": api.world.dept_a,
                },
            )
            db.session.execute(
                insert(resource_systems),
                [{"resource_id": r.resource_id, "system_id": system.id} for r in requests],
            )
            return system

        one = holding("SYS-P1", approved, late)
        two = holding("SYS-P2", approved, pending)
        project = Project(
            code="PRJ-SCORE",
            name="共享评分项目",
            lead_department_id=api.world.dept_a,
            investment=100,
        )
        db.session.add(project)
        one.projects.append(project)
        two.projects.append(project)
        db.session.commit()
        ids = {
            "approved": approved.resource_id,
            "late": late.resource_id,
            "pending": pending.resource_id,
            "one": one.id,
            "two": two.id,
            "project": project.id,
        }

    def scores(**params):
        r = api.as_("ndrc").get("/api/v1/sharing-scores", query_string=params)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    department = scores()
    by_resource = {row["id"]: row for row in scores(scope="resource")["rows"]}
    assert by_resource[ids["approved"]]["requests"] == 1
    assert by_resource[ids["approved"]]["active_grants"] == 1
    assert by_resource[ids["late"]]["answered_on_time"] == 0
    assert by_resource[ids["late"]]["median_answer_days"] == 12
    assert by_resource[ids["pending"]]["answered"] == 0
    assert by_resource[ids["pending"]]["department_id"] == api.world.dept_a

    by_system = {row["id"]: row for row in scores(scope="system")["rows"]}
    assert by_system[ids["one"]]["requests"] == 2 and by_system[ids["one"]]["answered"] == 2
    assert by_system[ids["two"]]["requests"] == 2 and by_system[ids["two"]]["approved"] == 1
    assert by_system[ids["one"]]["resources"] == 2

    (row,) = [r for r in scores(scope="project")["rows"] if r["id"] == ids["project"]]
    assert row["requests"] == 3 and row["resources"] == 3  # not 4: counted once
    assert row["active_grants"] == 1 and row["median_answer_days"] == 6

    own = scores(scope="resource", department_id=api.world.dept_b)
    assert own["rows"] == [] or all(r["department_id"] == api.world.dept_b for r in own["rows"])
    assert ids["approved"] not in {r["id"] for r in own["rows"]}
    led = scores(scope="project", department_id=api.world.dept_a)
    assert [r["id"] for r in led["rows"]] == [ids["project"]]
    assert scores(scope="project", department_id=api.world.dept_b)["rows"] == []
    for scope in ("resource", "system", "project"):
        assert scores(scope=scope)["county"] == department["county"]

    r = api.as_("ndrc").get("/api/v1/sharing-scores", query_string={"scope": "county-wide"})
    assert r.status_code == 400, r.get_json()
    assert "scope" in str(r.get_json())
    r = api.as_("ndrc").get("/api/v1/sharing-scores/export?scope=system")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws["A1"].value == "系统"
    names = [row[0] for row in ws.iter_rows(2, values_only=True)]
    assert "提供方系统SYS-P1" in names and names[-1] == "全县（全部部门）"


def test_a_province_registry_scores_one_county(app, api):
    """In a province's registry ``region`` picks one county: its departments' rows and
    its own total; the other county's requests are not in it."""
    with app.app_context():
        share_request(api.world, "approved")
        db.session.get(Department, api.world.dept_a).region = "云溪县"
        db.session.get(Department, api.world.dept_b).region = "青石县"
        db.session.commit()
    body = api.as_("ndrc").get("/api/v1/sharing-scores?region=云溪县").get_json()
    assert [r["id"] for r in body["rows"]] == [api.world.dept_a]
    assert body["county"]["name"] == "云溪县（全部部门）" and body["county"]["requests"] == 1
    other = api.as_("ndrc").get("/api/v1/sharing-scores?region=青石县&scope=resource").get_json()
    assert other["rows"] == [] and other["county"]["requests"] == 0
