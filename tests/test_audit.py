"""Every mutation is audited in its transaction; the SM3 chain detects tampering."""

from __future__ import annotations

from sqlalchemy import func, select, text

from registry import audit
from registry.db import db
from registry.models import AuditEvent


def _events(app):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def test_sm3_known_answer():
    # GB/T 32905-2016 Appendix A, example 1: SM3("abc").
    assert (
        audit.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    # Example 2: "abcd" repeated 16 times.
    assert audit.sm3_hex(b"abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_each_mutation_writes_one_event(app, api):
    start = len(_events(app))
    body, etag = api.create_resource()
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{body['id']}", json={"summary": "改"}, etag=etag
    )
    api.as_("editor_a").post(
        f"/api/v1/resources/{body['id']}/submit", json={}, etag=r.headers["ETag"]
    )
    events = _events(app)[start:]
    assert [e.action for e in events] == ["resource.create", "resource.update", "resource.submit"]
    assert all(e.actor_name == "editor_a" and e.subject_id == str(body["id"]) for e in events)
    assert events[0].before_digest is None and events[0].after_digest
    assert events[1].before_digest == events[0].after_digest
    assert events[2].prev_hash == events[1].hash


def test_failed_mutation_leaves_no_event(app, api):
    start = len(_events(app))
    assert (
        api.as_("editor_b")
        .post(
            "/api/v1/systems",
            json={
                "code": "S",
                "name": "x",
                "deployment": "政务云",
                "department_id": api.world.dept_a,
            },
        )
        .status_code
        == 403
    )
    assert len(_events(app)) == start


def test_chain_verifies_and_reports_first_broken_link(app, api):
    for n in range(4):
        api.create_resource(name=f"资源{n}")
    with app.app_context():
        report = audit.verify_chain(db.session)
        assert report.ok and report.checked == len(_events(app))
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        target = ids[len(ids) // 2]
        db.session.execute(
            text("UPDATE audit_events SET actor_name = 'mallory' WHERE id = :i"), {"i": target}
        )
        report = audit.verify_chain(db.session)
        assert not report.ok and report.broken_at == target and "内容" in report.reason
        db.session.rollback()


def test_deleted_event_breaks_the_chain(app, api):
    for n in range(3):
        api.create_resource(name=f"资源{n}")
    with app.app_context():
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        db.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[-2]})
        report = audit.verify_chain(db.session)
        assert report.broken_at == ids[-1] and "链接" in report.reason
        db.session.rollback()


def test_cli_audit_verify(app, api):
    api.create_resource()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert f"已校验 {n} 条" in result.output
        first = db.session.scalar(select(func.min(AuditEvent.id)))
        db.session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :i"), {"i": first})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"记录 ID {first}" in result.output
