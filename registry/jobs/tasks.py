"""The work of each scheduled job, as functions of the app returning a summary. The
command line runs the same functions (`registry search drain`, `registry sharing scan`,
`registry mail deliver`), so a job and its command never differ."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .. import audit, search, unit_of_work
from ..authz import ADMIN, Actor
from ..db import db, write_intent
from ..search import maintenance, outbox

ACTOR = Actor.system("scheduler")


class JobAlert(Exception):
    """A job that ran and found something people must act on (a broken audit chain):
    the run's outcome is ``alert``, the message goes to the log and to /healthz."""


def search_drain(app: Flask) -> dict[str, Any]:
    return {"indexed": outbox.drain_all(db.session, search.backend())}


def mail_deliver(app: Flask, limit: int = 500) -> dict[str, Any]:
    from ..services.notifications import MailSettings, deliver_mail

    with write_intent():
        result = deliver_mail(db.session, MailSettings.from_config(app.config), limit=limit)
        unit_of_work.commit()
    return result


def sharing_scan(app: Flask, actor: Actor = ACTOR) -> dict[str, Any]:
    """Overdue requests escalated, expired grants ended (with their flows), reminders two
    working days before a deadline and for missing usage reports."""
    from ..services.grants import expire_grants
    from ..services.reminders import remind_due_soon, remind_usage_reports
    from ..services.sharing import SharingSettings, escalate_overdue

    settings = SharingSettings.from_config(app.config)
    today = settings.today()
    with write_intent():
        result = {
            "escalated": len(escalate_overdue(db.session, actor, today=today)),
            "expired": len(expire_grants(db.session, actor, today=today)),
            "due_soon": len(remind_due_soon(db.session, settings=settings)),
            "usage_reports": len(remind_usage_reports(db.session, actor, today=today)),
        }
        unit_of_work.commit()
    return result


def analysis(app: Flask) -> dict[str, Any]:
    """Every analysis over the whole catalog; the run records what is new, what resolved
    itself and what reopened since the last run."""
    from ..services.analyses import AnalysisSettings, run_analyses

    with write_intent():
        run = run_analyses(
            db.session,
            ACTOR,
            scope_kind="all",
            scope_value=None,
            analyses=None,
            settings=AnalysisSettings.from_config(app.config),
        )
        unit_of_work.commit()
    return {"run": run.id, "found": run.summary["found"], "findings": run.summary["findings"]}


def freshness(app: Flask) -> dict[str, Any]:
    from ..services.freshness import check_freshness

    with write_intent():
        run = check_freshness(db.session, ACTOR, days=app.config["FRESHNESS_DAYS"])
        unit_of_work.commit()
    return {"run": run.id, **run.summary}


def confirmation_watch(app: Flask) -> dict[str, Any]:
    from ..services.confirmations import watch_confirmations

    with write_intent():
        flagged = watch_confirmations(db.session, ACTOR)
        unit_of_work.commit()
    return {"flagged": [c.number for c in flagged]}


def audit_verify(app: Flask) -> dict[str, Any]:
    """The SM3 chain recomputed; a broken link alerts the administrators (once per link)."""
    from ..services.notifications import already_told, notify

    report = audit.verify_chain(db.session)
    if report.ok:
        return {"checked": report.checked}
    title = f"审计链在记录 {report.broken_at} 处断裂"
    with write_intent():
        if not already_told(db.session, "audit.broken", "audit_event", report.broken_at, title):
            notify(
                db.session,
                kind="audit.broken",
                subject_type="audit_event",
                subject_id=report.broken_at,
                title=title,
                body=f"{report.reason}；此前 {report.checked} 条记录完好。请立即核查数据库。",
                role=ADMIN,
            )
        unit_of_work.commit()
    raise JobAlert(f"{title}：{report.reason}")


def search_check(app: Flask) -> dict[str, Any]:
    """The index against the catalog; what is missing, stale or left over is repaired."""
    backend = search.backend()
    report = maintenance.check(db.session, backend)
    result = {
        "expected": report.expected,
        "indexed": report.indexed,
        "missing": len(report.missing),
        "stale": len(report.stale),
        "orphaned": len(report.orphaned),
        "repaired": 0,
    }
    if not report.ok:
        with write_intent():
            result["repaired"] = maintenance.repair(db.session, backend, report)
            db.session.commit()
    return result


def interface_health(app: Flask) -> dict[str, Any]:
    """Read the targets, probe them with no transaction open (probes take seconds; on
    SQLite a write lock held meanwhile would stop every writer), then record."""
    from ..services import probes
    from ..unit_of_work import read_phase

    settings = probes.ProbeSettings.from_config(app.config)
    with read_phase():
        targets, refused = probes.probe_targets(db.session, ACTOR, settings=settings)
    outcomes = probes.run_probes(targets, settings)
    with write_intent():
        result = probes.record_probes(db.session, ACTOR, outcomes, refused, settings=settings)
        unit_of_work.commit()
    return result
