"""临期提醒 and 催报 from the daily sharing scan, on SQLite and PostgreSQL: a provider is
told two working days before a request or a correction is due (not three), a consumer
that owes last quarter's usage report is asked for it, and nobody is told twice."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from registry.db import db
from registry.models import Correction, Grant, Notification
from registry.services import feedback, reminders, sharing

from .factories import share_request
from .helpers import SYSTEM


def _scan(app) -> str:
    result = app.test_cli_runner().invoke(args=["sharing", "scan"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_before_deadlines_and_for_missing_reports(app, api):
    with app.app_context():
        settings = sharing.SharingSettings.from_config(current_app.config)
        today, cal = settings.today(), settings.calendar
        soon = share_request(api.world)
        soon.due_date = cal.add_working_days(today, 2)
        later = share_request(api.world)
        later.due_date = cal.add_working_days(today, 3)
        granted = share_request(api.world, "approved")
        grant = db.session.scalar(select(Grant).where(Grant.request_id == granted.id))
        grant.starts_on = today - timedelta(days=200)  # owes the last full quarter's report
        correction = Correction(
            resource_id=granted.resource_id,
            provider_department_id=api.world.dept_a,
            requester_department_id=api.world.dept_b,
            description="部分记录的姓名含错别字",
            submitted_at=granted.submitted_at,
            due_date=today,
        )
        db.session.add(correction)
        db.session.commit()
        ids = (soon.id, later.id, grant.id, correction.id)

    assert "临期提醒 2 条，使用情况反馈催报 1 条" in _scan(app)
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.kind.like("%due%")).order_by(Notification.id)
        ).all()
        told = {(n.kind, n.subject_id, n.department_id) for n in notes}
        assert told == {
            ("share_request.due_soon", ids[0], api.world.dept_a),
            ("correction.due_soon", ids[3], api.world.dept_a),
            ("usage_report.due", ids[2], api.world.dept_b),
        }
        period = feedback.previous_quarter(today)
        assert any(period in n.title for n in notes if n.kind == "usage_report.due")
    assert "临期提醒 0 条，使用情况反馈催报 0 条" in _scan(app)  # nobody is told twice

    # A new due date is a new reminder: the provider asked, the requester replied.
    with app.app_context():
        db.session.get(Correction, ids[3]).status = "answered"
        request = sharing.get_share_request(db.session, SYSTEM, ids[1])
        request.due_date = cal.add_working_days(today, 1)
        db.session.commit()
        sent = reminders.remind_due_soon(db.session, settings=settings)
        assert [(n.kind, n.subject_id) for n in sent] == [("share_request.due_soon", ids[1])]
        db.session.rollback()
