"""The findings list's order (overdue first, then the rest still to rectify, then the
closed, each newest first) as services/findings.overdue_first_page computes it part by
part, against one plain sort of everything, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from registry.db import db
from registry.models import FINDING_STATUSES, Finding
from registry.services.findings import list_findings, overdue_first_page

TODAY = date(2026, 12, 2)
BASE = datetime(2026, 1, 1, tzinfo=UTC)

rows = st.lists(
    st.tuples(
        st.sampled_from(FINDING_STATUSES),
        st.one_of(st.none(), st.integers(-5, 5)),  # due date, days from today
        st.integers(0, 30),  # updated, days from BASE (ties on purpose)
        st.sampled_from(["stale_resource", "unshared_resource"]),
    ),
    max_size=30,
)


def _reference(found: list[Finding]) -> list[int]:
    def key(f: Finding):
        active = f.status in ("open", "rectifying")
        late = active and f.due_date is not None and f.due_date < TODAY
        return (0 if late else 1 if active else 2, -f.updated_at.timestamp(), -f.id)

    return [f.id for f in sorted(found, key=key)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=rows,
    limit=st.integers(1, 7),
    kind=st.sampled_from([None, "stale_resource"]),
)
def test_pages_follow_the_one_order(app, data, limit, kind):
    with app.app_context():
        db.session.execute(delete(Finding))
        for n, (status, due, updated, k) in enumerate(data):
            db.session.add(
                Finding(
                    kind=k,
                    fingerprint=f"order:{n}",
                    subject_type="resource",
                    subject_id=n,
                    title=f"问题 {n}",
                    status=status,
                    due_date=TODAY + timedelta(days=due) if due is not None else None,
                    updated_at=BASE + timedelta(days=updated),
                    history=[],
                )
            )
        db.session.flush()
        stmt = list_findings(kind=kind)
        expected = _reference(db.session.scalars(stmt).all())
        got: list[int] = []
        for offset in range(0, len(expected) + limit, limit):
            page = overdue_first_page(db.session, stmt, today=TODAY, limit=limit, offset=offset)
            assert len(page) <= limit
            got += [f.id for f in page]
        assert got == expected
        db.session.rollback()
