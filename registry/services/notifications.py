"""消息: what each party must act on or know (a new request, an answer, an overdue one, a
correction), in the inbox of the pages and, for users with an address, by mail.

A notification and its mails are written in the same transaction as the change that
causes them; the mails are sent after the commit (``deliver_mail``, from the command
line or the scheduler). A mail server that is down leaves them in the outbox, tried
again later with a growing delay: nothing is lost.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from ..authz import ADMIN, Actor, require_login
from ..db import utcnow
from ..errors import NotFound
from ..models import MailOutbox, Notification, User

MAX_ATTEMPTS = 8


def notify(
    session: Session,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    title: str,
    body: str,
    department_id: int | None = None,
    role: str | None = None,
) -> Notification:
    """Tell a department (its active users) or a role; mail those with an address."""
    note = Notification(
        department_id=department_id,
        role=role,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        body=body,
    )
    session.add(note)
    session.flush()
    recipients = select(User.email).where(User.active, User.email.is_not(None))
    recipients = recipients.where(
        User.department_id == department_id if department_id is not None else User.role == role
    )
    for address in session.scalars(recipients):
        session.add(
            MailOutbox(
                notification_id=note.id,
                to_address=address,
                subject=f"【政务信息资源目录】{title}",
                body=body,
                next_attempt_at=utcnow(),
            )
        )
    session.flush()
    return note


def already_told(
    session: Session, kind: str, subject_type: str, subject_id: int, title: str
) -> bool:
    """Was this very message written already? For the jobs' messages that go out once
    (their title names what makes them new: a due date, a period, a catalog state)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Notification.subject_type == subject_type,
                    Notification.subject_id == subject_id,
                    Notification.kind == kind,
                    Notification.title == title,
                )
            )
        )
    )


def notify_once(
    session: Session,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    title: str,
    body: str,
    department_id: int,
) -> Notification | None:
    """``notify`` unless this very message was written before (None then)."""
    if already_told(session, kind, subject_type, subject_id, title):
        return None
    return notify(
        session,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        body=body,
        department_id=department_id,
    )


def inbox(actor: Actor) -> Select:
    """The actor's messages: their department's and their role's, newest first."""
    require_login(actor)
    stmt = select(Notification)
    if actor.role != ADMIN:
        mine = Notification.role == actor.role
        if actor.department_id is not None:
            mine = or_(mine, Notification.department_id == actor.department_id)
        stmt = stmt.where(mine)
    return stmt.order_by(Notification.id.desc())


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    note = session.scalar(inbox(actor).where(Notification.id == notification_id))
    if note is None:
        raise NotFound(f"消息（ID {notification_id}）不存在")
    if note.read_at is None:
        note.read_at, note.read_by_id = utcnow(), actor.user_id
        session.flush()
    return note


@dataclass(frozen=True)
class MailSettings:
    """An SMTP server from configuration (``MAIL_SERVER`` None: mail is not sent, the
    inbox in the pages is the only channel)."""

    server: str | None
    port: int = 25
    sender: str = "registry@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER"),
            port=int(config.get("MAIL_PORT") or 25),
            sender=config.get("MAIL_FROM") or "registry@localhost",
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            starttls=bool(config.get("MAIL_STARTTLS")),
        )


def deliver_mail(
    session: Session, settings: MailSettings, *, limit: int = 100, now: datetime | None = None
) -> dict[str, int]:
    """Send what is due from the outbox (the caller commits). A failure is recorded on
    the mail and tried again after 1, 2, 4 … minutes, up to MAX_ATTEMPTS times."""
    if not settings.server:
        return {"sent": 0, "failed": 0, "disabled": True}
    now = now or utcnow()
    due = list(
        session.scalars(
            select(MailOutbox)
            .where(
                MailOutbox.sent_at.is_(None),
                MailOutbox.attempts < MAX_ATTEMPTS,
                MailOutbox.next_attempt_at <= now,
            )
            .order_by(MailOutbox.id)
            .limit(limit)
        )
    )
    sent = failed = 0
    if not due:
        return {"sent": 0, "failed": 0}
    try:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    except OSError as exc:
        for mail in due:
            _failed(mail, exc, now)
        session.flush()
        return {"sent": 0, "failed": len(due)}
    with smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        for mail in due:
            message = EmailMessage()
            message["From"], message["To"] = settings.sender, mail.to_address
            message["Subject"] = mail.subject
            message.set_content(mail.body)
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                _failed(mail, exc, now)
                failed += 1
                continue
            mail.sent_at, mail.attempts = now, mail.attempts + 1
            sent += 1
    session.flush()
    return {"sent": sent, "failed": failed}


def _failed(mail: MailOutbox, exc: Exception, now: datetime) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    mail.next_attempt_at = now + timedelta(minutes=2 ** (mail.attempts - 1))
