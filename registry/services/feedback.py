"""共享信息使用情况反馈 and 纠错 (Art. 9(3)): consumers report how they use what they
were granted, each quarter; anyone using a resource may dispute its data, and the
provider answers within a deadline in working days."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from .. import audit
from ..authz import (
    REVIEWER,
    Actor,
    may_request_share,
    require_department_editor,
    require_login,
    require_role,
)
from ..db import utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import (
    Correction,
    Grant,
    InformationSystem,
    Interface,
    Resource,
    ShareRequest,
    UsageObservation,
    UsageReport,
)
from ._records import check_version, snapshot
from .grants import get_grant, visible_to
from .notifications import notify
from .sharing import SharingSettings

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(day: date) -> str:
    year, q = day.year, (day.month - 1) // 3 + 1
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def submit_usage_report(
    session: Session,
    actor: Actor,
    grant_id: int,
    *,
    data: dict[str, Any],
    settings: SharingSettings,
    reference: bool = False,
) -> UsageReport:
    """The consumer reports on a grant for a quarter that has begun; one report each.
    ``reference``: the grant is named in the request body (a missing one is a 422 on
    ``grant_id``), not in the URL (a 404)."""
    grant = get_grant(session, actor, grant_id, field="grant_id" if reference else None)
    require_department_editor(actor, grant.consumer_department_id)
    period = data["period"]
    match = _PERIOD.match(period)
    if not match:
        raise Invalid(errors={"period": ["报告期应为“年份Q季度”，如 2026Q4"]})
    if period > quarter_of(settings.today()):
        raise Invalid(errors={"period": ["报告期尚未开始"]})
    if session.scalar(
        select(UsageReport.id).where(UsageReport.grant_id == grant.id, UsageReport.period == period)
    ):
        raise Conflict(f"{period} 的使用情况已报告", code="duplicate_usage_report")
    report = UsageReport(
        grant_id=grant.id,
        period=period,
        uses=data["uses"],
        purposes=data["purposes"],
        met_purpose=data["met_purpose"],
        problems=data.get("problems"),
        reporter_id=actor.user_id,
        submitted_at=utcnow(),
    )
    session.add(report)
    session.flush()
    audit.record(
        session, actor, "usage_report.create", "usage_report", report.id, after=snapshot(report)
    )
    return report


def missing_usage_reports(session: Session, actor: Actor, *, today: date) -> list[Grant]:
    """Active grants whose consumer has not reported on the last full quarter (a grant
    that began after that quarter owes nothing yet)."""
    require_login(actor)
    period = previous_quarter(today)
    year, q = int(period[:4]), int(period[-1])
    quarter_end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    stmt = select(Grant).where(
        Grant.status == "active",
        Grant.starts_on < quarter_end,
        ~select(UsageReport.id)
        .where(UsageReport.grant_id == Grant.id, UsageReport.period == period)
        .exists(),
    )
    clause = visible_to(actor, Grant.consumer_department_id, Grant.provider_department_id)
    if clause is not None:
        stmt = stmt.where(clause)
    return list(session.scalars(stmt.order_by(Grant.id)))


def list_usage_reports(actor: Actor, *, grant_id: int | None = None) -> Select:
    require_login(actor)
    stmt = select(UsageReport).join(Grant, Grant.id == UsageReport.grant_id)
    clause = visible_to(actor, Grant.consumer_department_id, Grant.provider_department_id)
    if clause is not None:
        stmt = stmt.where(clause)
    if grant_id is not None:
        stmt = stmt.where(UsageReport.grant_id == grant_id)
    return stmt


# -- corrections -----------------------------------------------------------------------------


def create_correction(
    session: Session,
    actor: Actor,
    *,
    data: dict[str, Any],
    settings: SharingSettings,
    deadline_days: int,
) -> Correction:
    """A department disputes a published resource's data (an item, with an example)."""
    require_login(actor)
    resource = session.get(Resource, data["resource_id"])
    if resource is None or resource.status != "published":
        raise Invalid(errors={"resource_id": ["只能对已发布的信息资源提出纠错"]})
    if not may_request_share(actor, resource.provider_department_id):
        # The provider corrects its own data directly; 纠错 is a consumer's voice.
        raise Forbidden("纠错由使用数据的其他部门的信息员提出")
    item = data.get("item_name")
    if item and item not in {i.name for i in resource.items}:
        raise Invalid(errors={"item_name": [f"资源中没有信息项“{item}”"]})
    today = settings.today()
    correction = Correction(
        resource_id=resource.id,
        provider_department_id=resource.provider_department_id,
        requester_department_id=actor.department_id,
        requester_id=actor.user_id,
        item_name=item,
        description=data["description"],
        example=data.get("example"),
        submitted_at=utcnow(),
        due_date=settings.calendar.add_working_days(today, deadline_days),
    )
    session.add(correction)
    session.flush()
    audit.record(
        session, actor, "correction.create", "correction", correction.id, after=snapshot(correction)
    )
    notify(
        session,
        kind="correction.new",
        subject_type="correction",
        subject_id=correction.id,
        title=f"收到纠错：{resource.name}",
        body=f"请在 {correction.due_date} 前核查答复。{correction.description}",
        department_id=resource.provider_department_id,
    )
    return correction


def answer_correction(
    session: Session,
    actor: Actor,
    correction_id: int,
    *,
    answer: str,
    corrected: bool,
    expected_version: int | None,
    settings: SharingSettings,
) -> Correction:
    """The provider answers: what it checked, and whether the data was wrong."""
    correction = get_correction(session, actor, correction_id)
    require_department_editor(actor, correction.provider_department_id)
    check_version(correction, expected_version)
    if correction.status != "open":
        raise Conflict("该纠错已答复", code="correction_answered")
    if not (answer or "").strip():
        raise Invalid(errors={"answer": ["请填写核查结果"]})
    today = settings.today()
    correction.answered_late = correction.due_date is not None and today > correction.due_date
    correction.status, correction.answer, correction.corrected = "answered", answer, corrected
    correction.answered_at, correction.due_date = utcnow(), None
    session.flush()
    audit.record(
        session,
        actor,
        "correction.answer",
        "correction",
        correction.id,
        after=snapshot(correction),
    )
    notify(
        session,
        kind="correction.answered",
        subject_type="correction",
        subject_id=correction.id,
        title="纠错已答复",
        body=answer,
        department_id=correction.requester_department_id,
    )
    return correction


def get_correction(session: Session, actor: Actor, correction_id: int) -> Correction:
    correction = session.get(Correction, correction_id)
    if correction is None or not _may_read(actor, correction):
        raise NotFound(f"纠错（ID {correction_id}）不存在")
    return correction


def _may_read(actor: Actor, correction: Correction) -> bool:
    # Corrections stay on the resource's page: whoever may read the resource reads them.
    return actor.authenticated


def list_corrections(
    actor: Actor, *, resource_id: int | None = None, status: str | None = None
) -> Select:
    require_login(actor)
    stmt = select(Correction)
    if resource_id is not None:
        stmt = stmt.where(Correction.resource_id == resource_id)
    if status:
        stmt = stmt.where(Correction.status == status)
    return stmt


# -- observed usage: the exchange platform's call log ----------------------------------------

LOG_COLUMNS = {
    "interface": ("接口", "接口编号", "interface", "interface_id"),
    "consumer_system": ("使用系统", "调用系统", "系统编码", "consumer_system"),
    "calls": ("调用次数", "次数", "calls", "count"),
    "period_start": ("开始日期", "日期", "period_start", "date"),
    "period_end": ("结束日期", "period_end"),
}
MAX_LOG_ROWS = 1_000_000


def load_usage_log(
    session: Session, actor: Actor, *, text_rows: list[list[str]], source: str
) -> dict[str, Any]:
    """The platform's call log (CSV rows: interface id, consumer system code, calls, the
    day or the period). All rows or none: every problem names its row and column."""
    require_role(actor, REVIEWER)  # the platform is the 大数据中心's
    if not text_rows:
        raise Invalid(errors={"file": ["文件为空"]})
    header = [h.strip().lstrip("\ufeff") for h in text_rows[0]]
    where: dict[str, int] = {}
    for field, names in LOG_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                where[field] = i
                break
    missing = [
        LOG_COLUMNS[f][0]
        for f in ("interface", "consumer_system", "calls", "period_start")
        if f not in where
    ]
    if missing:
        raise Invalid(errors={"file": ["缺少列：" + "、".join(missing)]})
    if len(text_rows) - 1 > MAX_LOG_ROWS:
        raise Invalid(errors={"file": [f"行数超过上限 {MAX_LOG_ROWS}"]})
    interfaces = set(session.scalars(select(Interface.id)))
    systems = dict(session.execute(select(InformationSystem.code, InformationSystem.id)).all())
    grants = {
        (interface_id, system_id): grant_id
        for grant_id, interface_id, system_id in session.execute(
            select(Grant.id, ShareRequest.interface_id, Grant.consumer_system_id)
            .join(ShareRequest, ShareRequest.id == Grant.request_id)
            .where(Grant.status == "active", ShareRequest.interface_id.is_not(None))
        )
    }
    problems, rows = [], []
    now = utcnow()
    for number, raw in enumerate(text_rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue

        def cell(field: str, raw: list[str] = raw) -> str:
            i = where.get(field)
            return raw[i].strip() if i is not None and i < len(raw) else ""

        def problem(field: str, message: str, number: int = number) -> None:
            problems.append(
                {"row": number, "column": LOG_COLUMNS[field][0], "field": field, "message": message}
            )

        interface = int(cell("interface")) if cell("interface").isdigit() else None
        if interface not in interfaces:
            problem("interface", f"接口“{cell('interface')}”不存在")
        system = systems.get(cell("consumer_system"))
        if system is None:
            problem("consumer_system", f"系统编码“{cell('consumer_system')}”不存在")
        calls = int(cell("calls")) if cell("calls").isdigit() else None
        if calls is None:
            problem("calls", "调用次数应为非负整数")
        start, end = _day(cell("period_start")), _day(cell("period_end") or cell("period_start"))
        if start is None:
            problem("period_start", "日期格式应为 YYYY-MM-DD")
        elif end is None or end < start:
            problem("period_end", "结束日期格式有误或早于开始日期")
        if not problems:  # once a row is wrong nothing is written: stop collecting rows
            rows.append(
                {
                    "interface_id": interface,
                    "consumer_system_id": system,
                    "grant_id": grants.get((interface, system)),
                    "period_start": start,
                    "period_end": end,
                    "calls": calls,
                    "source": source[:200],
                    "loaded_at": now,
                }
            )
    if problems:
        raise Invalid(
            f"调用日志有 {len(problems)} 处问题，未写入任何数据",
            code="usage_log_rejected",
            errors={"problems": problems[:200], "problem_count": len(problems)},
        )
    for start in range(0, len(rows), 1000):
        session.execute(insert(UsageObservation), rows[start : start + 1000])
    audit.record(
        session, actor, "usage_log.load", "usage_log", source[:64], after={"rows": len(rows)}
    )
    return {"rows": len(rows), "matched_grants": sum(1 for r in rows if r["grant_id"])}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None


def unused_grants(session: Session, actor: Actor, *, today: date, days: int = 90) -> list[Grant]:
    """Active grants whose flow shows no observed call in the last ``days`` (only where
    the platform's log has been loaded at all): sharing on paper, not in use."""
    require_login(actor)
    if session.scalar(select(UsageObservation.id).limit(1)) is None:
        return []
    since = today - timedelta(days=days)
    used = (
        select(UsageObservation.grant_id)
        .where(UsageObservation.grant_id == Grant.id, UsageObservation.period_end >= since)
        .exists()
    )
    stmt = select(Grant).where(Grant.status == "active", Grant.starts_on <= since, ~used)
    clause = visible_to(actor, Grant.consumer_department_id, Grant.provider_department_id)
    if clause is not None:
        stmt = stmt.where(clause)
    return list(session.scalars(stmt.order_by(Grant.id)))
