"""消息 and mail: a new request reaches the provider's inbox and, by a real SMTP server
(aiosmtpd on loopback), its people's mailboxes; a mail server that is down loses
nothing; the answer reaches the requester."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from registry.db import db, utcnow
from registry.models import MailOutbox, Notification, User
from registry.services.notifications import MailSettings, deliver_mail

from .factories import share_request


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (port, received messages)."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(
                (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default))
            )
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def test_a_new_request_is_in_the_inbox_and_mailed(app, api, smtp_server):
    port, received = smtp_server
    with app.app_context():
        db.session.get(User, api.world.user_ids["editor_a"]).email = "zhang@gaj.example.gov.cn"
        request = share_request(api.world)
        db.session.commit()
        rid = request.id
        mails = list(db.session.scalars(select(MailOutbox)))
        assert [m.to_address for m in mails] == ["zhang@gaj.example.gov.cn"]
        # The mail server is down: the mail stays, with its error, for a later attempt.
        down = MailSettings(server="127.0.0.1", port=_free_port(), timeout=2)
        assert deliver_mail(db.session, down) == {"sent": 0, "failed": 1}
        db.session.commit()
        mail = db.session.scalar(select(MailOutbox))
        assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
        up = MailSettings(server="127.0.0.1", port=port, sender="registry@example.gov.cn")
        assert deliver_mail(db.session, up) == {"sent": 0, "failed": 0}  # not due yet
        later = utcnow() + timedelta(minutes=5)
        assert deliver_mail(db.session, up, now=later) == {"sent": 1, "failed": 0}
        db.session.commit()
        assert deliver_mail(db.session, up, now=later) == {"sent": 0, "failed": 0}  # once
    assert len(received) == 1
    recipients, message = received[0]
    assert recipients == ["zhang@gaj.example.gov.cn"]
    assert "收到共享申请" in message["Subject"] and "个工作日" in message.get_content()

    # The inbox page: the provider's department sees it, another role does not.
    assert "收到共享申请" in _signed_in_inbox(app, api, "editor_a")
    assert "收到共享申请" not in _signed_in_inbox(app, api, "ndrc")
    assert rid


def test_the_answer_reaches_the_requester(app, api):
    with app.app_context():
        share_request(api.world, "approved")
        db.session.commit()
        kinds = {(n.kind, n.department_id) for n in db.session.scalars(select(Notification))}
    assert ("share_request.new", api.world.dept_a) in kinds
    assert ("share_request.answered", api.world.dept_b) in kinds


def _signed_in_inbox(app, api, role: str) -> str:
    import time

    client = app.test_client()
    with app.app_context():
        epoch = db.session.get(User, api.world.user_ids[role]).session_epoch
    with client.session_transaction() as session:
        session.update(uid=api.world.user_ids[role], epoch=epoch, seen=int(time.time()))
    return client.get("/sharing/inbox").text
