"""Overlap found from the data items (issue #15 part 1), on SQLite and PostgreSQL: two
projects of one department each build a case system whose items no dictionary names;
the analysis finds them, lists the items side by side and says why, and leaves alone
the system that shares only what every system holds (姓名, 联系电话, 身份证号)."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import db
from registry.models import Finding
from registry.services.analyses import AnalysisSettings, run_analyses

from .helpers import SYSTEM, ApiClient

CASES = (
    "案件编号、案件名称、案件类型、案发时间、案发地址、报案时间、报案人姓名、报案人联系电话、"
    "简要案情、受案单位、主办民警、办案状态、结案时间、结案方式"
)
CASES_AGAIN = (
    "案件号、案件名称、案件类别、发案时间、发案地点、接报时间、报案人、报案人电话、案情摘要、"
    "受理单位、主办人、案件状态、结案日期、办结方式、卷宗编号"
)
GENERIC = "姓名、联系电话、身份证号、备注、性别、出生日期"
OTHER = "调解案件编号、纠纷类型、纠纷发生地、调解员、调解委员会名称、调解日期、调解结果、回访记录"


def _project_with_system(api: ApiClient, n: int, project: str, system: str, items: str) -> int:
    editor = api.as_("editor_a")
    s = editor.post(
        "/api/v1/systems",
        json={"code": f"SYS-OV{n}", "name": system, "deployment": "政务云"},
    )
    assert s.status_code == 201, s.get_json()
    names = items.split("、")
    api.create_resource(
        system_ids=[s.get_json()["id"]],
        name=f"{system}数据",
        items=[{"name": x, "data_type": "C", "length": 50} for x in names],
    )
    p = editor.post(
        "/api/v1/projects", json={"code": f"XM-OV{n}", "name": project, "investment": "300"}
    )
    assert p.status_code == 201, p.get_json()
    r = editor.patch(
        f"/api/v1/systems/{s.get_json()['id']}",
        json={"project_ids": [p.get_json()["id"]]},
        etag=s.headers["ETag"],
    )
    assert r.status_code == 200, r.get_json()
    return p.get_json()["id"]


def seed(api: ApiClient) -> tuple[int, int]:
    a = _project_with_system(api, 1, "治安案件管理系统建设项目", "治安案件管理系统", CASES)
    b = _project_with_system(api, 2, "执法办案管理中心信息化项目", "执法办案平台", CASES_AGAIN)
    # The distractors: generic items shared with everyone, and another business's cases.
    _project_with_system(api, 3, "人口信息采集项目", "人口采集系统", GENERIC + "、案件编号")
    _project_with_system(api, 4, "矛盾纠纷多元化解平台", "人民调解管理系统", OTHER)
    return a, b


def analyse(app) -> list[Finding]:
    with app.app_context():
        run_analyses(
            db.session,
            SYSTEM,
            scope_kind="all",
            scope_value=None,
            analyses=["scope_overlap"],
            settings=AnalysisSettings.from_config(app.config),
        )
        db.session.commit()
        return db.session.scalars(select(Finding).where(Finding.kind == "scope_overlap")).all()


def test_two_case_systems_overlap_by_their_items(app, api):
    a, b = seed(api)
    found = analyse(app)
    assert [sorted(p["id"] for p in f.evidence["projects"]) for f in found] == [sorted([a, b])]
    items = found[0].evidence["overlap"]["items"]
    assert set(found[0].evidence["overlap"]) == {"items"}  # nothing shared but the items
    side_by_side = {(x["a"], x["b"]) for x in items["aligned"]}
    assert {
        ("案件编号", "案件号"),
        ("结案时间", "结案日期"),
        ("案件名称", "案件名称"),
    } <= side_by_side
    assert all("姓名" not in x["a"] + x["b"] for x in items["aligned"])  # generic: not evidence
    assert items["crossed"] and "≥" in items["why"] and 0 <= items["names"] <= 1
    assert [s["name"] for s in items["systems"]] == ["治安案件管理系统", "执法办案平台"]
    # Same department, and found again: the same finding, not a second one.
    assert found[0].department_id is not None
    again = analyse(app)
    assert [f.id for f in again] == [found[0].id] and again[0].status == "open"
