"""临期提醒 and 催报: the messages the daily sharing scan sends before anything is late.

Two working days before a share request or a 纠错 is due, the provider is reminded; once a
quarter has ended, a consumer that has not reported its use of a grant is asked to
(Art. 9(3) 共享信息使用情况反馈). Each message is sent once: the scan looks for the same
message (kind, subject, title: the title names the due date or the period) before it
writes, so running it twice, or every hour, tells nobody twice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..authz import Actor
from ..models import Correction, Notification, ShareRequest
from .feedback import missing_usage_reports, previous_quarter
from .notifications import notify_once
from .sharing import SharingSettings

REMIND_WORKING_DAYS = 2


def remind_due_soon(session: Session, *, settings: SharingSettings) -> list[Notification]:
    """Tell providers of the requests and corrections due within two working days."""
    today = settings.today()
    horizon = settings.calendar.add_working_days(today, REMIND_WORKING_DAYS)
    due = (
        (
            ShareRequest,
            "pending",
            "share_request",
            "共享申请",
            "请在 {} 前答复，逾期将提交大数据中心协调。",
        ),
        (Correction, "open", "correction", "纠错", "请在 {} 前核实并答复。"),
    )
    sent = []
    for model, status, subject, label, body in due:
        for record in session.scalars(
            select(model)
            .where(model.status == status, model.due_date >= today, model.due_date <= horizon)
            .order_by(model.id)
        ):
            note = notify_once(
                session,
                kind=f"{subject}.due_soon",
                subject_type=subject,
                subject_id=record.id,
                title=f"{label} {record.id} 将于 {record.due_date} 到期",
                body=body.format(record.due_date),
                department_id=record.provider_department_id,
            )
            if note is not None:
                sent.append(note)
    return sent


def remind_usage_reports(session: Session, actor: Actor, *, today: date) -> list[Notification]:
    """Ask each consumer that owes the last quarter's usage report for it, once."""
    period = previous_quarter(today)
    sent = []
    for grant in missing_usage_reports(session, actor, today=today):
        note = notify_once(
            session,
            kind="usage_report.due",
            subject_type="grant",
            subject_id=grant.id,
            title=f"授权 {grant.id} 的 {period} 使用情况反馈待提交",
            body=f"请报告 {period} 使用共享数据的次数、用途、是否满足需要及遇到的问题。",
            department_id=grant.consumer_department_id,
        )
        if note is not None:
            sent.append(note)
    return sent
