"""Apply the data-element matcher to the catalog's data items, and the review queue.

Matching runs per distinct (name, type, length, description, declared id), not per row,
and writes back with one UPDATE per distinct combination: the province's 2.5 million
items carry only a few hundred distinct names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.orm import Session

from catalog_schemas.matching import Matcher, normalise

from .. import audit
from ..authz import REVIEWER, Actor, require_role
from ..errors import Invalid
from ..models import DataElement, DataItem, MatchDecision, Resource

_COMBO = (
    DataItem.name,
    DataItem.data_type,
    DataItem.length,
    DataItem.description,
    DataItem.element_identifier,
)


def build_matcher(session: Session, threshold: float) -> tuple[Matcher, dict[str, int]]:
    elements = session.scalars(select(DataElement)).all()
    ids = {e.identifier: e.id for e in elements}
    by_id = {e.id: e.identifier for e in elements}
    decisions = {
        d.normalized_name: by_id.get(d.element_id) for d in session.scalars(select(MatchDecision))
    }
    return Matcher(elements, decisions, threshold), ids


def _scope_filter(department_ids: list[int] | None):
    if department_ids is None:
        return None
    return DataItem.resource_id.in_(
        select(Resource.id).where(Resource.provider_department_id.in_(department_ids))
    )


def match_items(
    session: Session,
    actor: Actor,
    *,
    threshold: float,
    department_ids: list[int] | None = None,
    rematch: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Match every not-yet-matched item (all but reviewer-confirmed ones with ``rematch``).

    One audit event records the run and its counts (items change by the thousand, by
    rule, so the event names the rule's outcome rather than every row)."""
    matcher, ids = build_matcher(session, threshold)
    pending = (
        DataItem.match_status.is_(None)
        if not rematch
        else (DataItem.match_status.is_(None) | DataItem.match_status.in_(("auto", "pending")))
    )
    scope = _scope_filter(department_ids)
    stmt = select(*_COMBO, func.count()).where(pending).group_by(*_COMBO)
    if scope is not None:
        stmt = stmt.where(scope)
    combos = session.execute(stmt).all()
    counts = {"combinations": len(combos), "auto": 0, "pending": 0, "none": 0}
    written = False
    for n, (name, data_type, length, description, declared, rows) in enumerate(combos, 1):
        m = matcher.match(
            name, data_type=data_type, length=length, description=description, declared=declared
        )
        if m.method == "decision":  # a reviewer's remembered decision, element or none
            status = "confirmed" if m.identifier else "none"
        else:
            status = "auto" if m.accepted(threshold) else "pending" if m.identifier else None
        if status is None:
            # Most items name no element (审核意见, 金额 …); leaving them unmarked saves
            # rewriting 70% of the table, and re-deriving "none" next run costs one GROUP BY.
            counts["none"] += rows
            continue
        where = [pending] + [
            col.is_(None) if val is None else col == val
            for col, val in zip(
                _COMBO, (name, data_type, length, description, declared), strict=True
            )
        ]
        if scope is not None:
            where.append(scope)
        session.execute(
            update(DataItem)
            .where(and_(*where))
            .values(
                element_id=ids.get(m.identifier) if m.identifier else None,
                match_confidence=m.confidence,
                match_status=status,
            ),
            execution_options={"synchronize_session": False},
        )
        counts["auto" if status == "confirmed" else status] += rows
        written = True
        if progress and n % 200 == 0:
            progress(f"已匹配 {n}/{len(combos)} 种信息项")
    if written:
        # The match columns just changed wholesale: refresh the planner's statistics, or
        # SQLite keeps believing match_status is NULL everywhere and picks its index.
        session.execute(text("ANALYZE data_items"))
        audit.record(
            session,
            actor,
            "match.run",
            "data_items",
            f"departments:{len(department_ids)}" if department_ids else "all",
            after={
                **counts,
                "threshold": threshold,
                "rematch": rematch,
                "department_ids": sorted(department_ids or []),
            },
        )
    return counts


def review_queue(session: Session, actor: Actor) -> Any:
    """Pending matches grouped by item name, the most frequent first."""
    require_role(actor, REVIEWER)
    return (
        select(
            DataItem.name,
            DataElement.identifier.label("suggested"),
            func.max(DataItem.match_confidence).label("confidence"),
            func.count().label("items"),
        )
        .join(DataElement, DataElement.id == DataItem.element_id, isouter=True)
        .where(DataItem.match_status == "pending")
        .group_by(DataItem.name, DataElement.identifier)
        .order_by(func.count().desc(), DataItem.name)
    )


def decide_match(
    session: Session, actor: Actor, *, name: str, element_identifier: str | None
) -> dict[str, int]:
    """A reviewer confirms or corrects the element for an item name; remembered for later runs."""
    require_role(actor, REVIEWER)
    element = None
    if element_identifier:
        element = session.scalar(
            select(DataElement).where(DataElement.identifier == element_identifier)
        )
        if element is None:
            raise Invalid(errors={"element_identifier": [f"数据元“{element_identifier}”不存在"]})
    key = normalise(name)
    decision = session.scalar(select(MatchDecision).where(MatchDecision.normalized_name == key))
    if decision is None:
        decision = MatchDecision(normalized_name=key)
        session.add(decision)
    decision.element_id = element.id if element else None
    decision.decided_by_id = actor.user_id
    names = [n for n in session.scalars(select(DataItem.name).distinct()) if normalise(n) == key]
    result = session.execute(
        update(DataItem)
        .where(DataItem.name.in_(names), DataItem.element_identifier.is_(None))
        .values(
            element_id=element.id if element else None,
            match_confidence=1.0,
            match_status="confirmed" if element else "none",
            match_confirmed_by_id=actor.user_id,
        ),
        execution_options={"synchronize_session": False},
    )
    session.flush()
    audit.record(
        session,
        actor,
        "match.decide",
        "match_decision",
        decision.id,
        after={"name": key, "element": element_identifier, "items": result.rowcount},
    )
    return {"items": result.rowcount}
