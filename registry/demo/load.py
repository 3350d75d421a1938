"""Bulk-load the demo data set with SQLAlchemy Core, in the caller's transaction.

A seed is one audited action (``demo.load``), not thousands of user edits; the audit
event carries the counts and the seed so the load itself is on the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from .. import audit
from ..authz import Actor
from ..db import Base
from ..errors import Conflict
from ..models import CodeSequence, DataElement, Department, User
from .generate import (
    SEED,
    TABLES,
    CountyBuilder,
    IdAllocator,
    demo_users,
    department_code,
    element_rows,
    new_answers,
)

COUNTIES = {"county": 1, "province": 100}
CHUNK = 20_000


@dataclass
class DemoResult:
    counts: dict[str, int]
    answers: dict


def load_demo(
    session: Session,
    *,
    scale: str,
    if_empty: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoResult | None:
    if session.scalar(select(func.count()).select_from(Department)):
        if if_empty:
            return None
        if session.scalar(
            select(Department.id).where(Department.code == department_code(0, 0, "党委"))
        ):
            raise Conflict("演示数据已加载", code="demo_already_loaded")
    audit.lock_chain(session)
    ids = IdAllocator(_max_ids(session))
    sequences = dict(session.execute(select(CodeSequence.prefix, CodeSequence.last_value)).all())
    answers = new_answers(scale)
    counts: Counter[str] = Counter()
    for index in range(COUNTIES[scale]):
        builder = CountyBuilder(index, ids, sequences, answers)
        batch = builder.build()
        if index == 0:
            batch.rows["data_elements"] = _new_elements(session, element_rows(ids, builder))
            batch.rows["users"] = _new_users(session, demo_users(ids, builder))
        for table in TABLES:
            _insert(session, table, batch.rows[table])
            counts[table] += len(batch.rows[table])
        if progress and (index + 1) % 10 == 0 or progress and COUNTIES[scale] == 1:
            progress(f"已生成 {index + 1}/{COUNTIES[scale]} 个县")
    _store_sequences(session, sequences)
    _advance_pg_sequences(session)
    # Fresh statistics, or the query planner guesses (SQLite has none until ANALYZE).
    session.execute(text("ANALYZE"))
    answers["counts"] = dict(counts)
    audit.record(
        session,
        Actor.system("demo"),
        "demo.load",
        "dataset",
        scale,
        after={"seed": SEED, "counts": dict(counts)},
    )
    return DemoResult(dict(counts), answers)


def _max_ids(session: Session) -> dict[str, int]:
    out = {}
    for table in TABLES:
        t = Base.metadata.tables[table]
        if "id" in t.c:
            out[table] = session.scalar(select(func.coalesce(func.max(t.c.id), 0)))
    return out


def _insert(session: Session, table: str, rows: list[dict]) -> None:
    t = Base.metadata.tables[table]
    for start in range(0, len(rows), CHUNK):
        chunk = [
            {k: v for k, v in row.items() if not k.startswith("_")}
            for row in rows[start : start + CHUNK]
        ]
        session.execute(insert(t), chunk)


def _new_elements(session: Session, rows: list[dict]) -> list[dict]:
    existing = set(session.scalars(select(DataElement.identifier)))
    return [r for r in rows if r["identifier"] not in existing]


def _new_users(session: Session, rows: list[dict]) -> list[dict]:
    existing = set(session.scalars(select(User.name)))
    return [r for r in rows if r["name"] not in existing]


def _store_sequences(session: Session, sequences: dict[str, int]) -> None:
    stored = dict(session.execute(select(CodeSequence.prefix, CodeSequence.last_value)).all())
    for prefix, value in sequences.items():
        if prefix not in stored:
            session.add(CodeSequence(prefix=prefix, last_value=value))
        elif stored[prefix] < value:
            session.get(CodeSequence, prefix).last_value = value
    session.flush()


def _advance_pg_sequences(session: Session) -> None:
    """Explicit ids do not move PostgreSQL's serial sequences; move them past the rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        if "id" in Base.metadata.tables[table].c:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )
