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
from .notifications import already_told, notify
from .sharing import SharingSettings

REMIND_WORKING_DAYS = 2


def remind_due_soon(session: Session, *, settings: SharingSettings) -> list[Notification]:
    """Tell providers of the requests and corrections due within two working days."""
    today = settings.today()
    horizon = settings.calendar.add_working_days(today, REMIND_WORKING_DAYS)
    sent = []
    for request in session.scalars(
        select(ShareRequest)
        .where(
            ShareRequest.status == "pending",
            ShareRequest.due_date >= today,
            ShareRequest.due_date <= horizon,
        )
        .order_by(ShareRequest.id)
    ):
        title = f"共享申请 {request.id} 将于 {request.due_date} 到期"
        if not already_told(session, "share_request.due_soon", "share_request", request.id, title):
            sent.append(
                notify(
                    session,
                    kind="share_request.due_soon",
                    subject_type="share_request",
                    subject_id=request.id,
                    title=title,
                    body=f"请在 {request.due_date} 前答复，逾期将提交大数据中心协调。",
                    department_id=request.provider_department_id,
                )
            )
    for correction in session.scalars(
        select(Correction)
        .where(
            Correction.status == "open",
            Correction.due_date >= today,
            Correction.due_date <= horizon,
        )
        .order_by(Correction.id)
    ):
        title = f"纠错 {correction.id} 将于 {correction.due_date} 到期"
        if not already_told(session, "correction.due_soon", "correction", correction.id, title):
            sent.append(
                notify(
                    session,
                    kind="correction.due_soon",
                    subject_type="correction",
                    subject_id=correction.id,
                    title=title,
                    body=f"请在 {correction.due_date} 前核实并答复。",
                    department_id=correction.provider_department_id,
                )
            )
    return sent


def remind_usage_reports(session: Session, actor: Actor, *, today: date) -> list[Notification]:
    """Ask each consumer that owes the last quarter's usage report for it, once."""
    period = previous_quarter(today)
    sent = []
    for grant in missing_usage_reports(session, actor, today=today):
        title = f"授权 {grant.id} 的 {period} 使用情况反馈待提交"
        if not already_told(session, "usage_report.due", "grant", grant.id, title):
            sent.append(
                notify(
                    session,
                    kind="usage_report.due",
                    subject_type="grant",
                    subject_id=grant.id,
                    title=title,
                    body=f"请报告 {period} 使用共享数据的次数、用途、是否满足需要及遇到的问题。",
                    department_id=grant.consumer_department_id,
                )
            )
    return sent
