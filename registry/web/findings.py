"""问题与整改 (Art. 17) in the browser: every finding, filtered and counted; a page per
finding in plain words with its evidence, what it blocks, and its history; the
department reports rectification under way, a reviewer resolves, waives or reopens.
The services of /api/v1/findings, unchanged."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from ..authz import may_act_on_finding, may_run_analysis
from ..db import db
from ..errors import RegistryError
from ..graph.build import SCOPE_KINDS
from ..models import FINDING_KINDS, FINDING_STATUSES, AnalysisRun, Department, Finding, Project
from ..services import analyses
from ..services import findings as svc
from ..services._records import get_record
from .common import FormErrors, county_today, done, form_date, signed_in, text_or_none

bp = Blueprint("findings_pages", __name__, url_prefix="/findings")
PAGE_SIZE = 50
KIND_LABELS = {
    "duplicate_collection": "重复采集",
    "unshared_resource": "应共享未共享",
    "not_in_system_catalog": "系统未列入系统目录",
    "scope_overlap": "项目建设内容重叠",
    "bypasses_platform": "未经共享交换平台",
    "unconsumed_resource": "资源无人使用",
    "flow_cycle": "数据流循环",
    "stale_resource": "资源未按周期更新",
}
# What the regulation asks of the department, in a sentence a department head reads.
KIND_ADVICE = {
    "duplicate_collection": (
        "第十七条：已有权威来源的数据不应再次原始采集，应改为从共享交换平台共享获取。"
    ),
    "unshared_resource": "第九条第三项：可共享的信息资源应通过县数据共享交换平台提供共享。",
    "not_in_system_catalog": "第十七条：政务信息系统应列入县政务信息系统目录。",
    "scope_overlap": "第九条第六项：共建项目之间不得重复建设、交叉建设，应协商确定各自的建设内容。",
    "bypasses_platform": "第九条第三项：部门间数据交换应经县数据共享交换平台进行。",
    "unconsumed_resource": "已登记共享的资源尚无部门使用，请核实资源是否仍有价值或需推广。",
    "flow_cycle": "数据在系统之间循环流转，请核实数据的权威来源。",
    "stale_resource": "资源未按登记的更新周期更新，请更新数据或修改更新周期。",
}
# The evidence's keys as a clerk reads them (an unknown key shows as it is).
EVIDENCE_LABELS = {
    "projects": "涉及项目",
    "co_built": "是否共建项目",
    "system": "信息系统",
    "systems": "信息系统",
    "elements": "数据元",
    "items": "信息项",
    "item_count": "信息项数",
    "source": "权威来源",
    "obtain_from_resource": "应共享获取的资源",
    "resource": "信息资源",
    "flow": "数据流",
    "flow_ids": "数据流",
    "nodes": "涉及节点",
    "from": "提供方",
    "to": "使用方",
    "share_type": "共享类型",
    "in_system_catalog": "已列入系统目录",
    "unconnected_interfaces": "未接入平台的接口",
}
STATUS_LABELS = {"open": "待整改", "rectifying": "整改中", "resolved": "已解决", "waived": "已豁免"}
ACTIONS = {
    "rectifying": "报告整改中",
    "resolve": "确认已解决",
    "waive": "豁免",
    "reopen": "重新打开",
}


def _args() -> dict:
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    return {
        "kind": kind if kind in FINDING_KINDS else None,
        "status": status if status in FINDING_STATUSES else None,
        "department_id": request.args.get("department_id", type=int),
        "run_id": request.args.get("run", type=int),
        "project_id": request.args.get("project_id", type=int),
        "overdue_on": county_today() if request.args.get("overdue") else None,
    }


@bp.get("")
def index():
    signed_in()
    args = _args()
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = svc.list_findings(**args)
    counts = svc.finding_counts(db.session, stmt)
    total = sum(n for _, n in counts["kind"])
    rows = svc.overdue_first_page(
        db.session, stmt, today=county_today(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    # Names for what the page shows: its rows, the busiest departments (the filter's
    # choices) and the one chosen; a province has thousands, and a select of them all
    # would be most of the page's time.
    wanted = {f.department_id for f in rows} | {i for i, _, _ in counts["department"]}
    wanted |= {args["department_id"]} if args["department_id"] else set()
    names = dict(
        db.session.execute(
            select(Department.id, Department.name).where(Department.id.in_(wanted))
        ).all()
    )
    choices = sorted(
        {i for i, _, _ in counts["department"]} | ({args["department_id"]} - {None}),
        key=lambda i: names.get(i, ""),
    )
    project = db.session.get(Project, args["project_id"]) if args["project_id"] else None
    # Each bar narrows the list by its kind or department, keeping the other filters.
    kept = {k: v for k, v in request.args.items() if k not in ("kind", "department_id", "page")}
    kind_rows = [
        (KIND_LABELS.get(k, k), n, url_for("findings_pages.index", **kept, kind=k), None)
        for k, n in counts["kind"]
    ]
    department_rows = [
        (name, n, url_for("findings_pages.index", **kept, department_id=i), None)
        for i, name, n in counts["department"]
    ]
    return render_template(
        "findings/index.html",
        rows=rows,
        project=project,
        kind_rows=kind_rows,
        department_rows=department_rows,
        today=county_today(),
        total=total,
        counts=counts,
        args=args,
        page=page,
        per_page=PAGE_SIZE,
        names=names,
        choices=choices,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
    )


@bp.get("/<int:finding_id>")
def show(finding_id: int, errors: FormErrors | None = None, status: int = 200):
    actor = signed_in()
    finding = get_record(db.session, Finding, finding_id, label="问题")
    department = (
        db.session.get(Department, finding.department_id) if finding.department_id else None
    )
    allowed = {
        action
        for action, (sources, _to, who, _reason) in svc.TRANSITIONS.items()
        if finding.status in sources and may_act_on_finding(actor, who, finding.department_id)
    }
    return render_template(
        "findings/show.html",
        f=finding,
        department=department,
        blocked=svc.blocked_projects(db.session, finding),
        kinds=KIND_LABELS,
        evidence_labels=EVIDENCE_LABELS,
        advice=KIND_ADVICE.get(finding.kind),
        statuses=STATUS_LABELS,
        actions={a: label for a, label in ACTIONS.items() if a in allowed},
        today=county_today(),
        errors=errors,
        values=request.form,
    ), status


@bp.post("/<int:finding_id>/<any(rectifying, resolve, waive, reopen):action>")
def act(finding_id: int, action: str):
    actor = signed_in()
    try:
        svc.transition_finding(
            db.session,
            actor,
            finding_id,
            action=action,
            reason=text_or_none(request.form.get("reason")),
            expected_version=request.form.get("version", type=int),
            plan=text_or_none(request.form.get("plan")),
            due_date=form_date("due_date"),
            today=county_today(),
        )
    except RegistryError as exc:
        db.session.rollback()
        if exc.status in (401, 403, 404):
            raise
        return show(finding_id, FormErrors.of(exc), exc.status)
    return done(f"已{ACTIONS[action]}", "findings_pages.show", finding_id=finding_id)


# -- analysis runs ---------------------------------------------------------------------------

SCOPE_LABELS = {"all": "全县", "region": "县（区）", "department": "部门", "projects": "项目"}
CHANGE_LABELS = {
    "created": "新发现",
    "reopened": "重新出现",
    "resolved": "已自行消除",
    "seen": "仍存在",
}


@bp.get("/runs")
def runs(errors: FormErrors | None = None, status: int = 200):
    """The analysis runs, newest first; a reviewer starts one for a scope."""
    actor = signed_in()
    rows = db.session.scalars(select(AnalysisRun).order_by(AnalysisRun.id.desc()).limit(50)).all()
    return render_template(
        "findings/runs.html",
        rows=rows,
        scopes=SCOPE_LABELS,
        may_run=may_run_analysis(actor),
        changes=CHANGE_LABELS,
        errors=errors,
        values=request.form,
    ), status


@bp.post("/runs")
def start_run():
    """运行分析: started in the background; its progress page follows (a province takes
    minutes, so the page does not wait for it)."""
    actor = signed_in()
    kind = request.form.get("scope_kind", "all")
    try:
        token = analyses.start_analysis(
            current_app._get_current_object(),
            db.session,
            actor,
            scope_kind=kind if kind in SCOPE_KINDS else "",
            scope_value=text_or_none(request.form.get("scope_value")),
            settings=analyses.AnalysisSettings.from_config(current_app.config),
        )
    except RegistryError as exc:
        db.session.rollback()
        if exc.status in (401, 403):
            raise
        return runs(FormErrors.of(exc), exc.status)
    db.session.commit()  # end the request's read before the run writes
    return redirect(url_for("findings_pages.run_progress", token=token), code=303)


@bp.get("/runs/progress/<token>")
def run_progress(token: str):
    """A running analysis: what it has done so far, refreshed every second; when it is
    done, its page."""
    signed_in()
    state = analyses.RunProgress(current_app.instance_path, token).read()
    if state["state"] == "done":
        return done(
            f"分析已完成（批次 {state['run_id']}）",
            "findings_pages.run_page",
            run_id=state["run_id"],
        )
    return render_template("findings/progress.html", state=state, scopes=SCOPE_LABELS)


@bp.get("/runs/<int:run_id>")
def run_page(run_id: int):
    signed_in()
    run = get_record(db.session, AnalysisRun, run_id, label="分析记录")
    return render_template(
        "findings/run.html",
        run=run,
        scopes=SCOPE_LABELS,
        kinds=KIND_LABELS,
        changes=CHANGE_LABELS,
    )
