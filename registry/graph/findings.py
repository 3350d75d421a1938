"""Turn one run's finding data into stored findings, idempotently.

A problem found again keeps its row (by fingerprint); one whose cause is gone resolves
itself with a note; a resolved one whose cause returns reopens. Waived findings stay
waived. The run's changes are audited as one event whose digest covers every change.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, true
from sqlalchemy.orm import Session

from .. import audit
from ..authz import Actor
from ..db import utcnow
from ..models import ACTIVE_STATUSES as ACTIVE
from ..models import AnalysisRun, Finding
from .model import FindingData


def _event(status_from: str, status_to: str, note: str, run_id: int) -> dict:
    return {
        "at": utcnow().isoformat(),
        "from": status_from,
        "to": status_to,
        "note": note,
        "run_id": run_id,
    }


def reconcile(
    session: Session,
    actor: Actor,
    run: AnalysisRun,
    found: Iterable[FindingData],
    *,
    kinds: tuple[str, ...],
    department_ids: tuple[int, ...] | None,
) -> dict:
    """Write the run's findings; returns the counts of created, seen, resolved and
    reopened findings, in total and per kind (``by_kind``)."""
    found = {f.fingerprint: f for f in found}
    in_scope = true() if department_ids is None else Finding.department_id.in_(department_ids)
    existing = {
        f.fingerprint: f
        for f in session.scalars(select(Finding).where(Finding.kind.in_(kinds), in_scope))
    }
    if found:  # a finding may belong to a department just outside the scope (a flow's source)
        missing = set(found) - set(existing)
        for chunk in _chunks(sorted(missing), 500):
            for f in session.scalars(select(Finding).where(Finding.fingerprint.in_(chunk))):
                existing[f.fingerprint] = f
    changes = {"created": [], "reopened": [], "resolved": [], "seen": 0}
    # The same, per kind: what the 大数据中心 reads as progress since the last run.
    by_kind = {k: {"created": 0, "seen": 0, "resolved": 0, "reopened": 0} for k in kinds}

    def count(kind: str, change: str) -> None:
        by_kind.setdefault(kind, {"created": 0, "seen": 0, "resolved": 0, "reopened": 0})
        by_kind[kind][change] += 1

    now = utcnow()
    new_rows = []
    for fp, data in found.items():
        row = existing.get(fp)
        if row is None:
            new_rows.append(
                {
                    "kind": data.kind,
                    "fingerprint": fp,
                    "subject_type": data.subject_type,
                    "subject_id": data.subject_id,
                    "department_id": data.department_id,
                    "title": data.title[:300],
                    "evidence": data.evidence,
                    "status": "open",
                    "first_seen_run_id": run.id,
                    "last_seen_run_id": run.id,
                    "version": 1,
                    "history": [_event("", "open", "分析发现", run.id)],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            count(data.kind, "created")
            continue
        changes["seen"] += 1
        count(data.kind, "seen")
        row.evidence, row.title, row.last_seen_run_id = data.evidence, data.title[:300], run.id
        if row.status == "resolved":
            row.history = [
                *row.history,
                _event("resolved", "open", "问题再次出现，重新打开", run.id),
            ]
            row.status, row.status_reason, row.resolved_at = "open", "问题再次出现", None
            changes["reopened"].append(fp)
            count(data.kind, "reopened")
    for fp, row in existing.items():
        if fp not in found and row.status in ACTIVE:
            row.history = [
                *row.history,
                _event(row.status, "resolved", "分析未再发现该问题，自动关闭", run.id),
            ]
            row.status, row.status_reason, row.resolved_at = (
                "resolved",
                "原因已消除（分析自动关闭）",
                now,
            )
            changes["resolved"].append(fp)
            count(row.kind, "resolved")
    for chunk in _chunks(new_rows, 5000):
        session.execute(insert(Finding), chunk)
    changes["created"] = [r["fingerprint"] for r in new_rows]
    session.flush()
    audit.record(
        session,
        actor,
        "analysis.findings",
        "analysis_run",
        run.id,
        after={k: sorted(v) if isinstance(v, list) else v for k, v in changes.items()},
    )
    totals: dict = {k: len(v) if isinstance(v, list) else v for k, v in changes.items()}
    return totals | {"by_kind": by_kind}


def _chunks(seq: list, size: int):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
