"""Every role against every mutating endpoint.

Each case sets up exactly the state the call needs (owned by department A), so an
allowed call must succeed (2xx) and a refused one must be 401 (anonymous) or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from registry.db import db
from registry.services import elements, feedback, flows, interfaces, projects, systems, users

from .factories import resource_in, share_request
from .helpers import SYSTEM, World, credit_code, resource_payload

ROLES = ("anonymous", "editor_a", "editor_b", "reviewer", "ndrc", "auditor", "admin")


@dataclass
class Call:
    method: str
    url: str
    json: dict | None = None
    etag: str | None = None
    upload: bytes | None = None  # multipart file instead of JSON


def _import_file(w: World) -> bytes:
    import io

    from importers.writers import write_xlsx

    record = resource_payload(provider_code=w.dept_a_code)
    buf = io.BytesIO()
    write_xlsx([record], buf)
    return buf.getvalue()


# Refusals that are not about the role but about the rows (a 422 plan, not a 403).
ROW_LEVEL = {("import.run", "editor_b"): 422}


def _system(w: World):
    return systems.create_system(
        db.session,
        SYSTEM,
        data={
            "code": f"SYS-{w.dept_a}",
            "name": "人口库系统",
            "department_id": w.dept_a,
            "deployment": "政务云",
        },
    )


def _interface(w: World):
    return interfaces.create_interface(
        db.session, SYSTEM, data={"name": "人口查询接口", "kind": "api", "department_id": w.dept_a}
    )


def _flow(w: World):
    return flows.create_flow(
        db.session,
        SYSTEM,
        data={"source_department_id": w.dept_a, "target_department_id": w.dept_b},
    )


def _element(_w: World):
    return elements.create_element(
        db.session,
        SYSTEM,
        data={
            "identifier": "GMSFHM",
            "name": "公民身份号码",
            "data_type": "C",
            "synonyms": ["身份证号"],
        },
    )


def _project(w: World, stage: str = "planned"):
    project = projects.create_project(
        db.session,
        SYSTEM,
        data={
            "code": "XM-001",
            "name": "智慧政务项目",
            "lead_department_id": w.dept_a,
            "investment": 300,
        },
    )
    project.stage = stage
    db.session.flush()
    return project


def _grant(w: World):
    from registry.models import Grant

    request = share_request(w, "approved")
    return db.session.query(Grant).filter_by(request_id=request.id).one()


def _correction(w: World):
    from flask import current_app

    from registry.authz import Actor
    from registry.services import sharing

    editor_b = Actor(w.user_ids["editor_b"], "editor_b", "dept_editor", w.dept_b)
    return feedback.create_correction(
        db.session,
        editor_b,
        data={"resource_id": resource_in(w.dept_a_code, "published").id, "description": "错"},
        settings=sharing.SharingSettings.from_config(current_app.config),
        deadline_days=5,
    )


def _dept(w: World):
    from registry.models import Department

    return db.session.get(Department, w.dept_b)


def _user(w: World):
    from registry.models import User

    return db.session.get(User, w.user_ids["editor_b"])


def _token_id(w: World) -> int:
    from sqlalchemy import select

    from registry.models import ApiToken

    users.issue_token(db.session, SYSTEM, user_id=w.user_ids["ndrc"])
    return db.session.scalars(
        select(ApiToken.id)
        .where(ApiToken.user_id == w.user_ids["ndrc"])
        .order_by(ApiToken.id.desc())
    ).first()


def tag(obj) -> str:
    return obj.etag


# endpoint name → (setup returning a Call, roles allowed)
CASES: dict[str, tuple[Callable[[World], Call], set[str]]] = {
    "usage_log.load": (
        lambda w: Call(
            "POST",
            "/api/v1/usage-log",
            upload="接口,使用系统,调用次数,日期\n".encode(),
        ),
        {"reviewer", "admin"},
    ),
    # 使用情况反馈: the consumer's; 纠错: raised by another department, answered by the
    # provider.
    "usage_report.create": (
        lambda w: (
            (g := _grant(w))
            and Call(
                "POST",
                "/api/v1/usage-reports",
                {
                    "grant_id": g.id,
                    "period": feedback.quarter_of(g.starts_on),
                    "uses": 3,
                    "purposes": "核验",
                    "met_purpose": True,
                },
            )
        ),
        {"editor_b", "admin"},
    ),
    "correction.create": (
        lambda w: Call(
            "POST",
            "/api/v1/corrections",
            {"resource_id": resource_in(w.dept_a_code, "published").id, "description": "有误"},
        ),
        {"editor_b"},
    ),
    "correction.answer": (
        lambda w: (
            (c := _correction(w))
            and Call(
                "POST",
                f"/api/v1/corrections/{c.id}/answer",
                {"answer": "已核", "corrected": False},
                tag(c),
            )
        ),
        {"editor_a", "admin"},
    ),
    # 共享申请: the requester's department asks and answers questions, the provider's
    # decides, the 大数据中心 arbitrates what is overdue.
    "share_request.create": (
        lambda w: (
            (r := share_request(w))
            and Call(
                "POST",
                "/api/v1/share-requests",
                {
                    "resource_id": r.resource_id,
                    "requester_system_id": r.requester_system_id,
                    "purpose": "另一用途",
                    "business_matter": "另一事项",
                    "item_names": [r.resource.items[0].name],
                    "period_start": r.period_start.isoformat(),
                },
            )
        ),
        {"editor_b", "admin"},
    ),
    **{
        f"share_request.{action}": (
            lambda w, action=action: (
                (r := share_request(w))
                and Call(
                    "POST",
                    f"/api/v1/share-requests/{r.id}/{action}",
                    {"reason": "未提供等保备案证明"},
                    tag(r),
                )
            ),
            {"editor_a", "admin"},
        )
        for action in ("approve", "refuse", "ask")
    },
    "share_request.answer": (
        lambda w: (
            (r := share_request(w, "needs_info"))
            and Call("POST", f"/api/v1/share-requests/{r.id}/answer", {"reply": "已补充"}, tag(r))
        ),
        {"editor_b", "admin"},
    ),
    "share_request.withdraw": (
        lambda w: (
            (r := share_request(w))
            and Call("POST", f"/api/v1/share-requests/{r.id}/withdraw", {}, tag(r))
        ),
        {"editor_b", "admin"},
    ),
    "share_request.arbitrate": (
        lambda w: (
            (r := share_request(w, "overdue"))
            and Call(
                "POST",
                f"/api/v1/share-requests/{r.id}/arbitrate",
                {"action": "approve", "reason": "经协调同意"},
                tag(r),
            )
        ),
        {"reviewer", "admin"},
    ),
    "grant.withdraw": (
        lambda w: (
            (g := _grant(w))
            and Call("POST", f"/api/v1/grants/{g.id}/withdraw", {"reason": "停止使用"}, tag(g))
        ),
        {"editor_a", "admin"},
    ),
    "grant.renew": (
        lambda w: (
            (g := _grant(w))
            and Call("POST", f"/api/v1/grants/{g.id}/renew", {"ends_on": None}, tag(g))
        ),
        {"editor_a", "admin"},
    ),
    "department.create": (
        lambda w: Call(
            "POST",
            "/api/v1/departments",
            {"code": credit_code(999), "name": "县新设局", "kind": "政府"},
        ),
        {"admin"},
    ),
    "department.update": (
        lambda w: (
            (d := _dept(w))
            and Call("PATCH", f"/api/v1/departments/{d.id}", {"contact_name": "数据管理科"}, tag(d))
        ),
        # Its publication settings: the department's own editors and the admin (renaming
        # it is the admin's: tests/test_publication.py).
        {"editor_b", "admin"},
    ),
    "department.delete": (
        lambda w: (
            (d := _dept_unused()) and Call("DELETE", f"/api/v1/departments/{d.id}", None, tag(d))
        ),
        {"admin"},
    ),
    "user.create": (
        lambda w: Call("POST", "/api/v1/users", {"name": "newbie", "role": "auditor"}),
        {"admin"},
    ),
    "user.update": (
        lambda w: (
            (u := _user(w))
            and Call("PATCH", f"/api/v1/users/{u.id}", {"display_name": "张三"}, tag(u))
        ),
        {"admin"},
    ),
    "user.token": (
        # A user manages their own tokens (the account page); the admin anyone's.
        lambda w: Call("POST", f"/api/v1/users/{w.user_ids['auditor']}/tokens"),
        {"admin", "auditor"},
    ),
    "user.token.revoke": (
        lambda w: Call("DELETE", f"/api/v1/users/{w.user_ids['ndrc']}/tokens/{_token_id(w)}"),
        {"admin", "ndrc"},
    ),
    "system.create": (
        lambda w: Call(
            "POST",
            "/api/v1/systems",
            {
                "code": "SYS-NEW",
                "name": "新系统",
                "department_id": w.dept_a,
                "deployment": "政务云",
            },
        ),
        {"editor_a", "admin"},
    ),
    "system.update": (
        lambda w: (
            (s := _system(w))
            and Call("PATCH", f"/api/v1/systems/{s.id}", {"in_system_catalog": True}, tag(s))
        ),
        {"editor_a", "admin"},
    ),
    "system.delete": (
        lambda w: (s := _system(w)) and Call("DELETE", f"/api/v1/systems/{s.id}", None, tag(s)),
        {"editor_a", "admin"},
    ),
    "resource.create": (
        lambda w: Call("POST", "/api/v1/resources", resource_payload(provider_code=w.dept_a_code)),
        {"editor_a", "admin"},
    ),
    "resource.update": (
        lambda w: (
            (r := resource_in(w.dept_a_code))
            and Call("PATCH", f"/api/v1/resources/{r.id}", {"summary": "更新摘要"}, tag(r))
        ),
        {"editor_a", "admin"},
    ),
    "resource.items.replace": (
        lambda w: (
            (r := resource_in(w.dept_a_code))
            and Call(
                "PUT",
                f"/api/v1/resources/{r.id}/items",
                {"items": [{"name": "姓名", "data_type": "C"}]},
                tag(r),
            )
        ),
        {"editor_a", "admin"},
    ),
    "resource.items.add": (
        lambda w: (
            (r := resource_in(w.dept_a_code))
            and Call(
                "POST",
                f"/api/v1/resources/{r.id}/items",
                {"name": "性别", "data_type": "C"},
                tag(r),
            )
        ),
        {"editor_a", "admin"},
    ),
    "resource.submit": (
        lambda w: (
            (r := resource_in(w.dept_a_code))
            and Call("POST", f"/api/v1/resources/{r.id}/submit", {}, tag(r))
        ),
        {"editor_a", "admin"},
    ),
    "resource.publish": (
        lambda w: (
            (r := resource_in(w.dept_a_code, "submitted"))
            and Call("POST", f"/api/v1/resources/{r.id}/publish", {}, tag(r))
        ),
        {"reviewer", "admin"},
    ),
    "resource.reject": (
        lambda w: (
            (r := resource_in(w.dept_a_code, "submitted"))
            and Call("POST", f"/api/v1/resources/{r.id}/reject", {"reason": "摘要过简"}, tag(r))
        ),
        {"reviewer", "admin"},
    ),
    "resource.retire": (
        lambda w: (
            (r := resource_in(w.dept_a_code, "published"))
            and Call("POST", f"/api/v1/resources/{r.id}/retire", {"reason": "系统下线"}, tag(r))
        ),
        {"editor_a", "reviewer", "admin"},
    ),
    "interface.create": (
        lambda w: Call(
            "POST", "/api/v1/interfaces", {"name": "接口", "kind": "api", "department_id": w.dept_a}
        ),
        {"editor_a", "admin"},
    ),
    "interface.update": (
        lambda w: (
            (i := _interface(w))
            and Call("PATCH", f"/api/v1/interfaces/{i.id}", {"platform_connected": True}, tag(i))
        ),
        {"editor_a", "admin"},
    ),
    "interface.delete": (
        lambda w: (
            (i := _interface(w)) and Call("DELETE", f"/api/v1/interfaces/{i.id}", None, tag(i))
        ),
        {"editor_a", "admin"},
    ),
    "flow.create": (
        lambda w: Call(
            "POST",
            "/api/v1/flows",
            {"source_department_id": w.dept_a, "target_department_id": w.dept_a},
        ),
        {"editor_a", "reviewer", "ndrc", "admin"},
    ),
    "flow.update": (
        lambda w: (
            (f := _flow(w))
            and Call("PATCH", f"/api/v1/flows/{f.id}", {"via_platform": False}, tag(f))
        ),
        {"editor_a", "editor_b", "reviewer", "ndrc", "admin"},
    ),
    "flow.delete": (
        lambda w: (f := _flow(w)) and Call("DELETE", f"/api/v1/flows/{f.id}", None, tag(f)),
        {"editor_a", "editor_b", "reviewer", "ndrc", "admin"},
    ),
    "element.create": (
        lambda w: Call(
            "POST", "/api/v1/data-elements", {"identifier": "XM", "name": "姓名", "data_type": "C"}
        ),
        {"reviewer", "admin"},
    ),
    "element.update": (
        lambda w: (
            (e := _element(w))
            and Call("PATCH", f"/api/v1/data-elements/{e.id}", {"synonyms": ["身份证号码"]}, tag(e))
        ),
        {"reviewer", "admin"},
    ),
    "element.delete": (
        lambda w: (
            (e := _element(w)) and Call("DELETE", f"/api/v1/data-elements/{e.id}", None, tag(e))
        ),
        {"reviewer", "admin"},
    ),
    "project.create": (
        lambda w: Call(
            "POST",
            "/api/v1/projects",
            {
                "code": "XM-NEW",
                "name": "新项目",
                "lead_department_id": w.dept_a,
                "investment": "120.50",
            },
        ),
        {"editor_a", "ndrc", "admin"},
    ),
    "project.update": (
        lambda w: (
            (p := _project(w))
            and Call("PATCH", f"/api/v1/projects/{p.id}", {"name": "智慧政务二期"}, tag(p))
        ),
        {"editor_a", "ndrc", "admin"},
    ),
    "project.stage": (
        lambda w: (
            (p := _project(w))
            and Call("POST", f"/api/v1/projects/{p.id}/stage", {"to_stage": "proposal"}, tag(p))
        ),
        {"ndrc", "admin"},
    ),
    "analysis.run": (
        lambda w: Call("POST", "/api/v1/analyses", {"analyses": ["flow_cycle"], "match": False}),
        {"reviewer", "ndrc", "admin"},
    ),
    "finding.rectifying": (
        lambda w: (
            (f := _finding(w))
            and Call(
                "POST",
                f"/api/v1/findings/{f.id}/rectifying",
                {"plan": "改为共享获取", "due_date": "2099-12-31"},
                tag(f),
            )
        ),
        {"editor_a", "reviewer", "admin"},
    ),
    "finding.resolve": (
        lambda w: (
            (f := _finding(w))
            and Call("POST", f"/api/v1/findings/{f.id}/resolve", {"reason": "已整改"}, tag(f))
        ),
        {"reviewer", "admin"},
    ),
    "finding.waive": (
        lambda w: (
            (f := _finding(w))
            and Call("POST", f"/api/v1/findings/{f.id}/waive", {"reason": "系统待下线"}, tag(f))
        ),
        {"reviewer", "admin"},
    ),
    "finding.reopen": (
        lambda w: (
            (f := _finding(w, "resolved"))
            and Call("POST", f"/api/v1/findings/{f.id}/reopen", {"reason": "复查未通过"}, tag(f))
        ),
        {"reviewer", "admin"},
    ),
    "match.decide": (
        lambda w: Call(
            "POST", "/api/v1/match-reviews", {"name": "录入日期", "element_identifier": None}
        ),
        {"reviewer", "admin"},
    ),
    "confirmation.apply": (
        lambda w: (
            (p := _project(w, "construction"))
            and Call("POST", f"/api/v1/projects/{p.id}/confirmation-applications")
        ),
        {"editor_a", "admin"},
    ),
    "confirmation.issue": (
        lambda w: (
            (c := _confirmation(w))
            and Call(
                "POST", f"/api/v1/confirmations/{c.id}/issue", {"override_reason": "测试"}, tag(c)
            )
        ),
        {"reviewer", "admin"},
    ),
    "confirmation.reject": (
        lambda w: (
            (c := _confirmation(w))
            and Call("POST", f"/api/v1/confirmations/{c.id}/reject", {"reason": "材料不全"}, tag(c))
        ),
        {"reviewer", "admin"},
    ),
    "confirmation.revoke": (
        lambda w: (
            (c := _confirmation(w, issued=True))
            and Call("POST", f"/api/v1/confirmations/{c.id}/revoke", {"reason": "撤销"}, tag(c))
        ),
        {"reviewer", "admin"},
    ),
    "project.extension": (
        lambda w: (
            (p := _project(w))
            and Call(
                "POST",
                f"/api/v1/projects/{p.id}/extension-requests",
                {"reason": "测评推迟", "new_date": "2030-01-01"},
                tag(p),
            )
        ),
        {"editor_a", "ndrc", "admin"},
    ),
    "import.run": (
        lambda w: Call("POST", "/api/v1/imports", upload=_import_file(w)),
        {"editor_a", "admin"},
    ),
    "job.run": (lambda w: Call("POST", "/api/v1/jobs/sharing_scan/run", {}), {"admin"}),
}


def _confirmation(w: World, issued: bool = False):
    from flask import current_app

    from registry.services import confirmations as service

    conf = service.apply_for_confirmation(db.session, SYSTEM, _project(w, "construction").id)
    if issued:
        conf = service.issue_confirmation(
            db.session,
            SYSTEM,
            conf.id,
            opinion=None,
            override_reason="测试",
            expected_version=conf.version,
            settings=service.ConfirmationSettings.from_config(current_app.config),
        )
    return conf


def _finding(w: World, status: str = "open"):
    from registry.models import Finding

    f = Finding(
        kind="not_in_system_catalog",
        fingerprint=f"test:{status}",
        subject_type="system",
        subject_id=1,
        department_id=w.dept_a,
        title="测试问题",
        evidence={},
        status=status,
        history=[],
    )
    db.session.add(f)
    db.session.flush()
    return f


def _dept_unused():
    from registry.services import departments

    return departments.create_department(
        db.session,
        SYSTEM,
        data={"code": credit_code(777), "name": "县临时机构", "kind": "事业单位"},
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_role_matrix(app, api, world, endpoint, role):
    setup, allowed = CASES[endpoint]
    with app.app_context():
        call = setup(world)
        db.session.commit()
    client = api.as_(None if role == "anonymous" else role)
    if call.upload is not None:
        import io

        headers = (
            {"Authorization": f"Bearer {api.world.tokens[role]}"} if role != "anonymous" else {}
        )
        response = api.client.post(
            call.url,
            data={"file": (io.BytesIO(call.upload), "目录.xlsx")},
            headers=headers,
            content_type="multipart/form-data",
        )
    else:
        method = getattr(client, call.method.lower())
        kwargs = {"etag": call.etag} if call.method != "GET" else {}
        if call.method != "DELETE":
            kwargs["json"] = call.json
        response = method(call.url, **kwargs)
    body = response.get_json(silent=True)
    if (endpoint, role) in ROW_LEVEL:
        assert response.status_code == ROW_LEVEL[(endpoint, role)], (endpoint, role, body)
    elif role in allowed:
        assert 200 <= response.status_code < 300, (endpoint, role, body)
    elif role == "anonymous":
        assert response.status_code == 401, (endpoint, body)
        assert body["code"] in ("unauthenticated",)
    else:
        assert response.status_code == 403, (endpoint, role, body)
        assert body["code"] in ("forbidden", "other_department")


def test_matrix_covers_every_mutating_route(app, world):
    """Every mutating route has a row in CASES, and every row hits a distinct route."""
    adapter = app.url_map.bind("localhost")
    covered = []
    with app.app_context():
        for setup, _ in CASES.values():
            nested = db.session.begin_nested()
            call = setup(world)
            rule, _args = adapter.match(call.url, method=call.method, return_rule=True)
            covered.append((call.method, rule.rule))
            nested.rollback()
    mutating = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods & {"POST", "PATCH", "PUT", "DELETE"}
    }
    assert len(covered) == len(set(covered))
    assert set(covered) == mutating, sorted(mutating ^ set(covered))
