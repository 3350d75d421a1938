"""共享申请 through the API on SQLite and PostgreSQL: the share types' rules, working-day
deadlines, asking for more (the clock pauses), approval into a grant and a flow, a
withdrawn grant ending its flow, overdue escalation and the 大数据中心's arbitration,
and the bad input that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.db import db, local_now
from registry.models import AuditEvent, Flow, Grant, ShareRequest
from registry.services import sharing, systems
from registry.workdays import WorkCalendar

from .factories import published
from .helpers import SYSTEM

CAL = WorkCalendar()
ITEMS = [
    {"name": "公民身份号码", "data_type": "字符型C", "length": 18},
    {"name": "姓名", "data_type": "字符型C", "length": 50},
    {"name": "宗教信仰", "data_type": "字符型C", "length": 20, "share_type": "不予共享"},
]


def today():
    return local_now("Asia/Shanghai").date()


@pytest.fixture
def setup(app, api):
    """Department A publishes; department B has a system that wants the data."""
    with app.app_context():
        system_b = systems.create_system(
            db.session,
            SYSTEM,
            data={
                "code": "SYS-B",
                "name": "市场监管业务系统",
                "deployment": "政务云",
                "department_id": api.world.dept_b,
            },
        )
        system_a = systems.create_system(
            db.session,
            SYSTEM,
            data={
                "code": "SYS-A",
                "name": "人口信息系统",
                "deployment": "政务云",
                "department_id": api.world.dept_a,
            },
        )
        db.session.commit()
        ids = {"system_b": system_b.id, "system_a": system_a.id}
    conditional = published(api, items=ITEMS, system_ids=[ids["system_a"]])
    return {**ids, "conditional": conditional["id"]}


def _request(api, setup, who="editor_b", **overrides):
    body = {
        "resource_id": setup["conditional"],
        "requester_system_id": setup["system_b"],
        "purpose": "核验企业法定代表人身份",
        "business_matter": "企业开办登记",
        "legal_basis": "《市场主体登记管理条例》",
        "item_names": ["公民身份号码", "姓名"],
        "period_start": today().isoformat(),
        **overrides,
    }
    return api.as_(who).post("/api/v1/share-requests", json=body)


def test_a_conditional_request_waits_for_the_provider_within_working_days(api, setup):
    r = _request(api, setup)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "pending" and body["deadline_days"] == 10
    assert body["due_date"] == CAL.add_working_days(today(), 10).isoformat()
    assert body["provider_department_id"] == api.world.dept_a
    # Both departments see it; the provider answers.
    assert api.as_("editor_a").get(f"/api/v1/share-requests/{body['id']}").status_code == 200
    listed = (
        api.as_("editor_a")
        .get(f"/api/v1/share-requests?side=provider&department_id={api.world.dept_a}")
        .get_json()
    )
    assert [x["id"] for x in listed] == [body["id"]]


def test_approval_becomes_a_grant_and_a_flow_that_ends_with_it(app, api, setup):
    r = _request(api, setup)
    rid, etag = r.get_json()["id"], r.headers["ETag"]
    # Not the requester's to approve, nor the reviewer's.
    for who in ("editor_b", "reviewer"):
        assert (
            api.as_(who)
            .post(f"/api/v1/share-requests/{rid}/approve", json={}, etag=etag)
            .status_code
            == 403
        )
    r = api.as_("editor_a").post(f"/api/v1/share-requests/{rid}/approve", json={}, etag=etag)
    assert r.status_code == 200 and r.get_json()["status"] == "approved", r.get_json()
    assert r.get_json()["answered_late"] is False
    grants = api.as_("editor_b").get("/api/v1/grants").get_json()
    assert len(grants) == 1 and grants[0]["status"] == "active"
    with app.app_context():
        flow = db.session.get(Flow, grants[0]["flow_id"])
        assert (flow.source_system_id, flow.target_system_id) == (
            setup["system_a"],
            setup["system_b"],
        )
        assert flow.via_platform and flow.resource_id == setup["conditional"]
    grant = api.as_("editor_a").get(f"/api/v1/grants/{grants[0]['id']}")
    r = api.as_("editor_a").post(
        f"/api/v1/grants/{grants[0]['id']}/withdraw", json={}, etag=grant.headers["ETag"]
    )
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = api.as_("editor_a").post(
        f"/api/v1/grants/{grants[0]['id']}/withdraw",
        json={"reason": "对方系统未通过等保测评"},
        etag=grant.headers["ETag"],
    )
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    with app.app_context():
        assert db.session.get(Flow, grants[0]["flow_id"]) is None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {
            "share_request.create",
            "share_request.approved",
            "grant.create",
            "grant.withdrawn",
            "flow.delete",
        } <= actions


def test_asking_for_more_pauses_the_clock(app, api, setup):
    r = _request(api, setup)
    rid = r.get_json()["id"]
    r = api.as_("editor_a").post(
        f"/api/v1/share-requests/{rid}/ask",
        json={"reason": "请提供业务系统等保备案证明"},
        etag=r.headers["ETag"],
    )
    body = r.get_json()
    assert body["status"] == "needs_info" and body["due_date"] is None
    assert body["remaining_days"] == CAL.working_days_between(
        today(), CAL.add_working_days(today(), 10)
    )
    r = api.as_("editor_b").post(
        f"/api/v1/share-requests/{rid}/answer",
        json={"reply": "备案证明已上传"},
        etag=r.headers["ETag"],
    )
    body = r.get_json()
    assert body["status"] == "pending"
    assert body["due_date"] == CAL.add_working_days(today(), 10).isoformat()


def test_each_stage_has_its_deadline(app, api, setup):
    """Data already served through the platform: 5 working days; after the requester
    supplied materials with one day left, the provider still gets 2 to review them."""
    app.config["SHARE_REQUEST_DEADLINE_DAYS_ALREADY_SHARED"] = 5
    app.config["SHARE_REQUEST_DEADLINE_DAYS_AFTER_REPLY"] = 2
    r = _request(api, setup)
    body = r.get_json()
    assert body["deadline_days"] == 10  # not served through the platform yet
    assert body["due_date"] == CAL.add_working_days(today(), 10).isoformat()
    i = api.as_("editor_a").post(
        "/api/v1/interfaces",
        json={
            "name": "人口信息核验",
            "kind": "api",
            "platform_connected": True,
            "resource_ids": [setup["conditional"]],
        },
    )
    assert i.status_code == 201, i.get_json()
    other = api.as_("editor_b").post(
        "/api/v1/systems",
        json={"code": "SYS-B2", "name": "企业登记系统", "deployment": "政务云"},
    )
    r = _request(api, setup, requester_system_id=other.get_json()["id"])
    body = r.get_json()
    assert body["deadline_days"] == 5
    assert body["due_date"] == CAL.add_working_days(today(), 5).isoformat()

    r = api.as_("editor_a").post(
        f"/api/v1/share-requests/{body['id']}/ask",
        json={"reason": "请说明用途"},
        etag=r.headers["ETag"],
    )
    with app.app_context():  # one working day was left when the provider asked
        db.session.get(ShareRequest, body["id"]).remaining_days = 1
        db.session.commit()
    r = api.as_("editor_b").get(f"/api/v1/share-requests/{body['id']}")
    r = api.as_("editor_b").post(
        f"/api/v1/share-requests/{body['id']}/answer",
        json={"reply": "用于企业开办身份核验"},
        etag=r.headers["ETag"],
    )
    assert r.get_json()["due_date"] == CAL.add_working_days(today(), 2).isoformat()


def test_share_types_decide_at_once(app, api, setup):
    open_ = published(api, share_type="无条件共享", share_condition=None, items=ITEMS[:2])
    closed = published(
        api,
        share_type="不予共享",
        share_condition="《中华人民共和国统计法》第二十五条",
        share_method_class=None,
        share_method_platform=None,
        items=ITEMS[:2],
    )
    r = _request(api, setup, resource_id=open_["id"])
    assert r.status_code == 201 and r.get_json()["status"] == "approved"
    r = _request(api, setup, resource_id=closed["id"])
    assert r.get_json()["status"] == "refused"
    assert "统计法" in r.get_json()["decision_reason"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"item_names": ["不存在的项"]}, "item_names"),
        ({"item_names": ["宗教信仰"]}, "item_names"),
        ({"period_start": "2020-01-01"}, "period_start"),
        ({"period_end": "2000-01-01"}, "period_end"),
        ({"requester_system_id": 999999}, "requester_system_id"),
    ],
)
def test_bad_requests_are_refused_by_field_and_change_nothing(app, api, setup, overrides, field):
    r = _request(api, setup, **overrides)
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ShareRequest)) == 0


def test_a_draft_or_own_resource_cannot_be_requested(api, setup):
    draft, _ = api.create_resource("editor_a")
    assert _request(api, setup, resource_id=draft["id"]).status_code == 422
    own = published(api, "editor_b")
    r = _request(api, setup, resource_id=own["id"])
    assert r.status_code == 422 and "无需申请" in r.get_json()["errors"]["resource_id"][0]
    # Another department's system is not the requester's to request for.
    assert _request(api, setup, requester_system_id=setup["system_a"]).status_code == 403


def test_a_duplicate_open_request_names_the_open_one(api, setup):
    first = _request(api, setup).get_json()
    r = _request(api, setup)
    assert r.status_code == 409 and r.get_json()["errors"]["open_request_id"] == first["id"]
    assert _request(api, setup, item_names=["姓名"]).status_code == 201  # other items


def test_an_overdue_request_escalates_and_the_center_arbitrates(app, api, setup):
    rid = _request(api, setup).get_json()["id"]
    with app.app_context():
        request = db.session.get(ShareRequest, rid)
        request.due_date = today() - timedelta(days=1)
        db.session.commit()
        escalated = sharing.escalate_overdue(db.session, SYSTEM, today=today())
        assert [r.id for r in escalated] == [rid]
        assert sharing.escalate_overdue(db.session, SYSTEM, today=today()) == []  # once
        db.session.commit()
    overdue = api.as_("reviewer").get("/api/v1/share-requests?overdue=true").get_json()
    assert [r["id"] for r in overdue] == [rid] and overdue[0]["escalated_at"]
    etag = api.as_("reviewer").get(f"/api/v1/share-requests/{rid}").headers["ETag"]
    r = api.as_("editor_a").post(
        f"/api/v1/share-requests/{rid}/arbitrate",
        json={"action": "approve", "reason": "协调"},
        etag=etag,
    )
    assert r.status_code == 403
    r = api.as_("reviewer").post(
        f"/api/v1/share-requests/{rid}/arbitrate",
        json={"action": "approve", "reason": "经协调同意共享"},
        etag=etag,
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "approved" and body["arbitrated"] and body["answered_late"]


def test_the_scan_escalates_overdue_requests_and_ends_expired_grants(app, api, setup):
    overdue_id = _request(api, setup).get_json()["id"]
    granted = _request(api, setup, item_names=["姓名"])
    api.as_("editor_a").post(
        f"/api/v1/share-requests/{granted.get_json()['id']}/approve",
        json={},
        etag=granted.headers["ETag"],
    )
    with app.app_context():
        db.session.get(ShareRequest, overdue_id).due_date = today() - timedelta(days=1)
        grant = db.session.scalar(select(Grant))
        grant.ends_on = today() - timedelta(days=1)
        flow_id = grant.flow_id
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["sharing", "scan"])
    assert result.exit_code == 0, result.output
    assert "逾期申请提交协调 1 件，到期授权终止 1 项" in result.output, result.output
    with app.app_context():
        assert db.session.get(ShareRequest, overdue_id).escalated_at is not None
        grant = db.session.scalar(select(Grant))
        assert grant.status == "expired" and db.session.get(Flow, flow_id) is None
    again = app.test_cli_runner().invoke(args=["sharing", "scan"])
    assert "逾期申请提交协调 0 件，到期授权终止 0 项，临期提醒 0 条" in again.output  # idempotent
