"""The scheduled jobs, on SQLite and PostgreSQL: each runs and reports what it did; a job
never runs twice at once; the history keeps what is worth keeping; freshness findings
come and go with updates; a broken audit chain alerts; the API is for administrators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from registry.db import db, utcnow
from registry.jobs import JOBS
from registry.jobs.runner import run_job
from registry.models import AuditEvent, Finding, JobRun, JobState, Notification, Resource

from .factories import published


@pytest.mark.parametrize("name", sorted(JOBS))
def test_every_job_runs_and_says_what_it_did(app, api, name):
    published(api)
    result = run_job(app, name, trigger="manual")
    assert result["outcome"] == "ok", result
    assert isinstance(result["summary"], dict)
    with app.app_context():
        state = db.session.get(JobState, name)
        assert state.last_outcome == "ok" and state.runs == 1 and state.running_holder is None
        assert db.session.scalar(select(func.count()).where(JobRun.job == name)) == 1


def test_a_job_never_runs_twice_at_once(app):
    with app.app_context():
        db.session.add(
            JobState(
                name="sharing_scan",
                running_holder="other-host:4242",
                running_since=utcnow(),
                runs=0,
                consecutive_failures=0,
            )
        )
        db.session.commit()
    assert run_job(app, "sharing_scan")["outcome"] == "skipped"
    with app.app_context():  # a mark older than the job's timeout died with its process
        db.session.execute(
            update(JobState)
            .where(JobState.name == "sharing_scan")
            .values(running_since=utcnow() - timedelta(hours=2))
        )
        db.session.commit()
    assert run_job(app, "sharing_scan")["outcome"] == "ok"


def test_frequent_jobs_keep_only_runs_that_did_something(app, api):
    assert run_job(app, "mail_deliver")["outcome"] == "ok"  # scheduled, nothing to send
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(JobRun.job == "mail_deliver")) == 0
        assert db.session.get(JobState, "mail_deliver").runs == 1
    run_job(app, "mail_deliver", trigger="manual")
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(JobRun.job == "mail_deliver")) == 1


def test_freshness_findings_come_and_go_with_updates(app, api):
    daily = published(api, update_cycle="每日", name="每日更新的资源")
    monthly = published(api, update_cycle="每月", name="每月更新的资源")
    with app.app_context():
        db.session.execute(
            update(Resource)
            .where(Resource.id.in_([daily["id"], monthly["id"]]))
            .values(updated_at=utcnow() - timedelta(days=5))
        )
        db.session.commit()
    result = run_job(app, "freshness", trigger="manual")
    assert result["summary"]["findings"]["created"] == 1, result
    with app.app_context():
        finding = db.session.scalar(select(Finding).where(Finding.kind == "stale_resource"))
        assert finding.subject_id == daily["id"] and finding.status == "open"
        assert "每日" in finding.title and finding.evidence["days_since_update"] == 5
    again = run_job(app, "freshness", trigger="manual")
    unchanged = {"created": 0, "reopened": 0, "resolved": 0, "seen": 1}
    assert again["summary"]["findings"] == unchanged | {"by_kind": {"stale_resource": unchanged}}
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{daily['id']}",
        json={"summary": "数据已于今日更新"},
        etag=api.as_("editor_a").get(f"/api/v1/resources/{daily['id']}").headers["ETag"],
    )
    assert r.status_code == 200, r.get_json()
    assert run_job(app, "freshness")["summary"]["findings"]["resolved"] == 1
    with app.app_context():
        finding = db.session.scalar(select(Finding).where(Finding.kind == "stale_resource"))
        assert finding.status == "resolved"


def test_a_broken_audit_chain_alerts_the_administrators_once(app, api):
    published(api)
    assert run_job(app, "audit_verify")["outcome"] == "ok"
    with app.app_context():
        first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id).limit(1))
        first.action = "tampered"
        db.session.commit()
        broken_at = first.id
    result = run_job(app, "audit_verify")
    assert result["outcome"] == "alert" and str(broken_at) in result["error"]
    run_job(app, "audit_verify")
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "audit.broken")
        ).all()
        assert len(notes) == 1 and notes[0].role == "admin"
        assert db.session.get(JobState, "audit_verify").consecutive_failures == 2
    health = api.as_(None).get("/healthz").get_json()
    audit_job = next(j for j in health["scheduler"]["jobs"] if j["name"] == "audit_verify")
    assert audit_job["last_outcome"] == "alert"
    assert "last_error" not in audit_job  # the details are for administrators


def test_the_jobs_api_is_for_administrators(app, api):
    for who in (None, "editor_a", "reviewer", "auditor"):
        assert api.as_(who).get("/api/v1/jobs").status_code in (401, 403)
        assert api.as_(who).post("/api/v1/jobs/sharing_scan/run", json={}).status_code in (
            401,
            403,
        )
    r = api.as_("admin").post("/api/v1/jobs/sharing_scan/run", json={})
    assert r.status_code == 200 and r.get_json()["outcome"] == "ok", r.get_json()
    assert api.as_("admin").post("/api/v1/jobs/nothing/run", json={}).status_code == 404
    overview = api.as_("admin").get("/api/v1/jobs").get_json()
    scan = next(j for j in overview["jobs"] if j["name"] == "sharing_scan")
    assert scan["runs"] == 1 and scan["last_outcome"] == "ok" and scan["schedule"]
    assert overview["leader"] is None  # no scheduler has run here
    runs = api.as_("admin").get("/api/v1/jobs/sharing_scan/runs").get_json()
    assert runs[0]["trigger"] == "manual"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.run"))
    health = api.as_(None).get("/healthz").get_json()
    assert health["checks"]["scheduler"] == "not_running" and health["status"] == "degraded"


def test_a_mark_left_by_a_dead_process_of_this_host_is_freed_at_once(app):
    import socket
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with app.app_context():
        db.session.add(
            JobState(
                name="sharing_scan",
                running_holder=f"{socket.gethostname()}:{gone.stdout.strip()}",
                running_since=utcnow(),
                runs=0,
                consecutive_failures=0,
            )
        )
        db.session.commit()
    assert run_job(app, "sharing_scan")["outcome"] == "ok"


def test_the_confirmation_watch_flags_a_changed_catalog_once(app, api):
    from .test_confirmations import _apply_issue, _etag, _project

    pid, rid = _project(api, app=app)
    _conf, r = _apply_issue(api, pid, opinion="同意")
    number = r.get_json()["number"]
    assert run_job(app, "confirmation_watch")["summary"] == {"flagged": []}  # still matches
    api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}",
        json={"summary": "签发后改过的摘要"},
        etag=_etag(api, f"/api/v1/resources/{rid}", "editor_a"),
    )
    assert run_job(app, "confirmation_watch")["summary"] == {"flagged": [number]}
    assert run_job(app, "confirmation_watch")["summary"] == {"flagged": []}  # told once
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "confirmation.catalog_changed")
        ).all()
        assert {(n.department_id, n.role) for n in notes} == {
            (api.world.dept_a, None),
            (None, "center_reviewer"),
        }
        assert number in notes[0].title and "1 处变化" in notes[0].body
