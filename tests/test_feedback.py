"""使用情况反馈 and 纠错 through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from registry.db import db, local_now
from registry.models import Correction, Grant, UsageReport
from registry.services import feedback, sharing
from registry.workdays import WorkCalendar

from .factories import published, share_request
from .helpers import SYSTEM


def _today():
    return local_now("Asia/Shanghai").date()


def _grant(app, api) -> int:
    with app.app_context():
        request = share_request(api.world, "approved")
        grant = db.session.query(Grant).filter_by(request_id=request.id).one()
        # It began two quarters ago, so the last full quarter's report is owed.
        grant.starts_on = _today() - timedelta(days=200)
        db.session.commit()
        return grant.id


def test_the_consumer_reports_each_quarter_once(app, api):
    grant_id = _grant(app, api)
    period = feedback.previous_quarter(_today())
    with app.app_context():
        missing = feedback.missing_usage_reports(db.session, SYSTEM, today=_today())
        assert [g.id for g in missing] == [grant_id]
    body = {
        "grant_id": grant_id,
        "period": period,
        "uses": 1200,
        "purposes": "企业开办核验",
        "met_purpose": True,
        "problems": "个别记录姓名有生僻字乱码",
    }
    assert api.as_("editor_a").post("/api/v1/usage-reports", json=body).status_code == 403
    r = api.as_("editor_b").post("/api/v1/usage-reports", json=body)
    assert r.status_code == 201, r.get_json()
    assert api.as_("editor_b").post("/api/v1/usage-reports", json=body).status_code == 409
    future = {**body, "period": f"{_today().year + 1}Q1"}
    r = api.as_("editor_b").post("/api/v1/usage-reports", json=future)
    assert r.status_code == 422 and "period" in r.get_json()["errors"]
    r = api.as_("editor_b").post("/api/v1/usage-reports", json={**body, "period": "2026-4"})
    assert r.status_code == 422 and "period" in r.get_json()["errors"]
    with app.app_context():
        assert feedback.missing_usage_reports(db.session, SYSTEM, today=_today()) == []
        assert db.session.scalar(select(func.count()).select_from(UsageReport)) == 1
    # The provider reads the consumer's report.
    reports = api.as_("editor_a").get(f"/api/v1/usage-reports?grant_id={grant_id}").get_json()
    assert reports[0]["problems"].startswith("个别记录")


def test_a_correction_is_answered_by_the_provider_within_its_deadline(app, api):
    entry = published(api, "editor_a")
    body = {
        "resource_id": entry["id"],
        "item_name": "姓名",
        "description": "姓名与身份证不符",
        "example": "3301…1234 张三/张叁",
    }
    assert api.as_("editor_a").post("/api/v1/corrections", json=body).status_code == 403
    r = api.as_("editor_b").post("/api/v1/corrections", json={**body, "item_name": "没有这项"})
    assert r.status_code == 422 and "item_name" in r.get_json()["errors"]
    r = api.as_("editor_b").post("/api/v1/corrections", json=body)
    assert r.status_code == 201, r.get_json()
    correction = r.get_json()
    assert correction["due_date"] == WorkCalendar().add_working_days(_today(), 5).isoformat()
    answer = {"answer": "已核实并更正为“张叁”", "corrected": True}
    assert (
        api.as_("editor_b")
        .post(f"/api/v1/corrections/{correction['id']}/answer", json=answer, etag=r.headers["ETag"])
        .status_code
        == 403
    )
    r = api.as_("editor_a").post(
        f"/api/v1/corrections/{correction['id']}/answer", json=answer, etag=r.headers["ETag"]
    )
    assert r.status_code == 200 and r.get_json()["status"] == "answered"
    assert r.get_json()["answered_late"] is False
    listed = api.as_("auditor").get(f"/api/v1/corrections?resource_id={entry['id']}").get_json()
    assert [c["answer"] for c in listed] == ["已核实并更正为“张叁”"]


def test_a_late_answer_is_marked(app, api):
    entry = published(api, "editor_a")
    with app.app_context():
        settings = sharing.SharingSettings.from_config(app.config)
        from registry.authz import Actor

        editor_b = Actor(
            api.world.user_ids["editor_b"], "editor_b", "dept_editor", api.world.dept_b
        )
        c = feedback.create_correction(
            db.session,
            editor_b,
            data={"resource_id": entry["id"], "description": "错"},
            settings=settings,
            deadline_days=5,
        )
        c.due_date = date(2020, 1, 2)
        db.session.commit()
        c = feedback.answer_correction(
            db.session,
            SYSTEM,
            c.id,
            answer="已核",
            corrected=False,
            expected_version=c.version,
            settings=settings,
        )
        assert c.answered_late
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 1
