"""one duplicate collection finding per system and source

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 07:47:00

Duplicate collection was one finding per element and system
(``duplicate_collection:{identifier}:{system}``); a system that collects 公民身份号码, 姓名
and 性别 itself had three findings for one rectification. It is now one per system and
authoritative source (``duplicate_collection:{system}:{source}``, graph/duplicates.py).
The old findings of a group merge into the oldest: the status still most to do
(open, then rectifying, then resolved, then waived), every history entry (each marked with
its element), the plan and date, the evidence per element. The next analysis run finds the
same fingerprint and carries on from there.

unconsumed_resource is no longer a finding (services/analyses.py says why): open ones are
resolved with that reason in their history.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from registry.db import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

findings = sa.table(
    "findings",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("fingerprint", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("evidence", sa.JSON),
    sa.column("status", sa.String),
    sa.column("status_reason", sa.String),
    sa.column("first_seen_run_id", sa.Integer),
    sa.column("last_seen_run_id", sa.Integer),
    sa.column("resolved_at", UTCDateTime()),
    sa.column("history", sa.JSON),
    sa.column("plan", sa.String),
    sa.column("due_date", sa.Date),
    sa.column("version", sa.Integer),
    sa.column("updated_at", UTCDateTime()),
)
URGENCY = ("open", "rectifying", "resolved", "waived")


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def _source_key(element) -> str:
    if element is None:
        return "unsourced"
    if element.source_system_id is not None:
        return f"system-{element.source_system_id}"
    if element.source_function:
        return f"function-{element.source_function}"
    return "unsourced"


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    elements = {
        row.identifier: row
        for row in bind.execute(
            sa.text("SELECT identifier, source_system_id, source_function FROM data_elements")
        )
    }
    groups: dict[str, list] = {}
    for row in bind.execute(
        sa.select(findings).where(findings.c.kind == "duplicate_collection").order_by(findings.c.id)
    ):
        _, identifier, system = row.fingerprint.split(":", 2)
        if identifier.isdigit():
            continue  # already the new form
        key = f"duplicate_collection:{system}:{_source_key(elements.get(identifier))}"
        groups.setdefault(key, []).append((identifier, row))
    for fingerprint, members in groups.items():
        _merge(bind, fingerprint, members, now)

    for row in bind.execute(
        sa.select(findings.c.id, findings.c.history, findings.c.status).where(
            findings.c.kind == "unconsumed_resource", findings.c.status.in_(("open", "rectifying"))
        )
    ).all():
        history = [
            *(_json(row.history) or []),
            {
                "at": now.isoformat(),
                "from": row.status,
                "to": "resolved",
                "note": "不再作为问题：资源尚无使用方无须整改，改为共享评分中的使用方数量",
                "actor": "migration",
            },
        ]
        bind.execute(
            findings.update()
            .where(findings.c.id == row.id)
            .values(
                status="resolved",
                status_reason="不再作为问题（见共享评分的使用方数量）",
                resolved_at=now,
                history=history,
                updated_at=now,
            )
        )


def _merge(bind, fingerprint: str, members: list, now: datetime) -> None:
    rows = [row for _, row in members]
    survivor = rows[0]
    status = min((r.status for r in rows), key=URGENCY.index)
    chosen = next(r for r in rows if r.status == status)
    history = sorted(
        (
            {**entry, "element": identifier}
            for identifier, row in members
            for entry in (_json(row.history) or [])
        ),
        key=lambda entry: entry.get("at") or "",
    )
    elements, items, instead, system = [], [], None, None
    for identifier, row in members:
        evidence = _json(row.evidence)
        system = system or evidence.get("system")
        instead = instead or evidence.get("obtain_from_resource")
        element = evidence.get("element") or {"identifier": identifier}
        elements.append(
            {
                **element,
                "items": evidence.get("items", []),
                "item_count": evidence.get("item_count", 0),
                "other_collectors": evidence.get("other_collectors", []),
            }
        )
        items += evidence.get("items", [])
    names = "、".join(e.get("name") or e["identifier"] for e in elements[:5])
    names += "……" if len(elements) > 5 else ""
    where = f"，应从“{instead['name']}”共享获取" if instead and instead.get("name") else ""
    system_name = (system or {}).get("name") or f"系统 {survivor.subject_id}"
    plans = [r for r in rows if r.plan]
    bind.execute(
        findings.update()
        .where(findings.c.id == survivor.id)
        .values(
            fingerprint=fingerprint,
            title=f"{system_name} 原始采集了 {names}{where}"[:300],
            evidence={
                "system": system,
                "source": fingerprint.rsplit(":", 1)[1],
                "elements": elements,
                "items": items,
                "item_count": sum(e["item_count"] for e in elements),
                "obtain_from_resource": instead,
            },
            status=status,
            status_reason=chosen.status_reason,
            resolved_at=max(
                (r.resolved_at for r in rows if r.resolved_at is not None), default=None
            )
            if status in ("resolved", "waived")
            else None,
            first_seen_run_id=min(
                (r.first_seen_run_id for r in rows if r.first_seen_run_id), default=None
            ),
            last_seen_run_id=max(
                (r.last_seen_run_id for r in rows if r.last_seen_run_id), default=None
            ),
            history=history,
            plan=plans[0].plan if plans else None,
            due_date=max((r.due_date for r in plans if r.due_date), default=None),
            version=survivor.version + 1,
            updated_at=now,
        )
    )
    others = [r.id for r in rows[1:]]
    if others:
        bind.execute(findings.delete().where(findings.c.id.in_(others)))


def downgrade() -> None:
    pass  # merged findings are not split again
