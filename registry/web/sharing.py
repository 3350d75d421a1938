"""共享申请 in the browser: request a published resource, answer a request, follow one's
requests and grants; the 大数据中心 arbitrates overdue ones. The services of
/api/v1/share-requests and /api/v1/grants, unchanged."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload

from importers.writers import SCOPE_LABELS

from ..api.sharing import CorrectionSchema, ShareRequestSchema, UsageReportSchema
from ..authz import ADMIN, REVIEWER, may_edit_catalog, sharing_departments
from ..db import db
from ..errors import RegistryError
from ..models import Department, Grant, InformationSystem, ShareRequest
from ..services import feedback, grants, notifications, scores
from ..services import sharing as svc
from ..services.departments import list_departments
from ..services.resources import get_resource
from ..services.systems import list_systems
from .common import FormErrors, done, load, signed_in, text_or_none

bp = Blueprint("sharing_pages", __name__, url_prefix="/sharing")
PAGE_SIZE = 50
REQUEST_STATUS_LABELS = {
    "pending": "待答复",
    "needs_info": "待补充材料",
    "approved": "已同意",
    "refused": "已拒绝",
    "withdrawn": "已撤回",
}
GRANT_STATUS_LABELS = {"active": "有效", "withdrawn": "已撤销", "expired": "已到期"}
DONE = {
    "approve": "已同意共享，授权与数据流已生成",
    "refuse": "已拒绝",
    "ask": "已要求补充材料，答复期限暂停计算",
    "answer": "已补充材料，答复期限继续计算",
    "withdraw": "已撤回申请",
    "arbitrate": "已协调办结",
}
VIEWS = {"received": "本部门收到的", "sent": "本部门提出的", "overdue": "逾期未答复"}


def _settings() -> svc.SharingSettings:
    return svc.SharingSettings.from_config(current_app.config)


@bp.get("")
def index():
    actor = signed_in()
    view = request.args.get("view") or ("overdue" if actor.role == REVIEWER else "received")
    if view not in VIEWS:
        view = "received"
    side = {"received": "provider", "sent": "requester"}.get(view)
    own = sharing_departments(actor)
    department_id = own[0] if own and side else None
    stmt = svc.list_share_requests(
        actor,
        department_id=department_id,
        side=side if department_id else None,
        overdue_on=_settings().today() if view == "overdue" else None,
    )
    rows = db.session.scalars(
        stmt.options(
            selectinload(ShareRequest.resource),
            selectinload(ShareRequest.provider),
            selectinload(ShareRequest.requester),
        )
        .order_by(ShareRequest.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "sharing/index.html",
        rows=rows,
        view=view,
        views=VIEWS,
        labels=REQUEST_STATUS_LABELS,
        today=_settings().today(),
    )


def _form_page(resource, values=None, errors=None, status=200):
    actor = signed_in()
    systems = db.session.scalars(
        list_systems(department_id=actor.department_id).order_by(InformationSystem.name)
    ).all()
    return render_template(
        "sharing/new.html",
        r=resource,
        systems=systems,
        values=values or {},
        errors=errors,
    ), status


SCORE_ROWS_SHOWN = 200


@bp.get("/scores")
def scores_page():
    """共享范围、程度 per department (with a chart), resource, system or project, for the
    发改委 and the 大数据中心."""
    actor = signed_in()
    scope = request.args.get("scope", "department")
    if scope not in scores.SCOPES:
        scope = "department"
    department_id = request.args.get("department_id", type=int)
    rows, county = scores.sharing_scores(
        db.session,
        actor,
        scope=scope,
        department_id=department_id,
        weights=current_app.config["SHARING_SCORE_WEIGHTS"],
    )
    return render_template(
        "sharing/scores.html",
        rows=rows[:SCORE_ROWS_SHOWN],
        total_rows=len(rows),
        county=county,
        scope=scope,
        scope_labels=SCOPE_LABELS,
        department_id=department_id,
        departments=db.session.execute(
            list_departments()
            .with_only_columns(Department.id, Department.name)
            .order_by(Department.name)
        ).all(),
        weights=current_app.config["SHARING_SCORE_WEIGHTS"],
    )


@bp.get("/new")
def new():
    actor = signed_in()
    resource = get_resource(db.session, actor, request.args.get("resource", 0, type=int))
    return _form_page(resource)


@bp.post("/new")
def create():
    actor = signed_in()
    resource = get_resource(db.session, actor, request.form.get("resource_id", 0, type=int))
    form = request.form
    data = {
        "resource_id": resource.id,
        "requester_system_id": form.get("requester_system_id", type=int),
        "purpose": form.get("purpose", "").strip(),
        "business_matter": form.get("business_matter", "").strip(),
        "legal_basis": text_or_none(form.get("legal_basis")),
        "item_names": form.getlist("item_names"),
        "period_start": form.get("period_start", "").strip(),
        "period_end": text_or_none(form.get("period_end")),
    }
    data = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        created = svc.create_share_request(
            db.session, actor, data=ShareRequestSchema().load(data), settings=_settings()
        )
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        status = exc.status if isinstance(exc, RegistryError) else 422
        return _form_page(resource, data, FormErrors.of(exc), status)
    return done(
        f"已提交共享申请（编号 {created.id}，{REQUEST_STATUS_LABELS[created.status]}）",
        "sharing_pages.show",
        request_id=created.id,
    )


@bp.get("/<int:request_id>")
def show(request_id: int, errors: FormErrors | None = None, status: int = 200):
    actor = signed_in()
    req = svc.get_share_request(db.session, actor, request_id)
    grant = db.session.query(Grant).filter_by(request_id=req.id).one_or_none()
    today = _settings().today()
    return render_template(
        "sharing/show.html",
        req=req,
        grant=grant,
        labels=REQUEST_STATUS_LABELS,
        grant_labels=GRANT_STATUS_LABELS,
        is_provider=may_edit_catalog(actor, req.provider_department_id),
        is_requester=may_edit_catalog(actor, req.requester_department_id),
        is_reviewer=actor.role in (REVIEWER, ADMIN),
        overdue=req.status == "pending" and req.due_date is not None and req.due_date < today,
        current_quarter=feedback.quarter_of(today),
        errors=errors,
    ), status


@bp.post("/<int:request_id>/<any(approve, refuse, ask, answer, withdraw, arbitrate):action>")
def act(request_id: int, action: str):
    actor = signed_in()
    form = request.form
    version = form.get("version", type=int)
    reason = text_or_none(form.get("reason"))
    try:
        if action in ("approve", "refuse", "ask"):
            ends_on = form.get("ends_on")
            svc.answer_share_request(
                db.session,
                actor,
                request_id,
                action=action,
                reason=reason,
                ends_on=date.fromisoformat(ends_on) if ends_on else None,
                expected_version=version,
                settings=_settings(),
            )
        elif action == "answer":
            svc.reply_share_request(
                db.session,
                actor,
                request_id,
                reply=form.get("reply", ""),
                expected_version=version,
                settings=_settings(),
            )
        elif action == "withdraw":
            svc.withdraw_share_request(
                db.session, actor, request_id, reason=reason, expected_version=version
            )
        else:
            svc.arbitrate_share_request(
                db.session,
                actor,
                request_id,
                action=form.get("decision", ""),
                reason=reason,
                expected_version=version,
                settings=_settings(),
            )
    except (RegistryError, ValueError) as exc:
        db.session.rollback()
        if isinstance(exc, ValueError):
            exc = RegistryError("日期格式应为 YYYY-MM-DD", errors={"ends_on": ["日期格式有误"]})
        if exc.status in (401, 403, 404):
            raise exc from None
        return show(request_id, FormErrors.of(exc), exc.status)
    return done(DONE.get(action, "已办理"), "sharing_pages.show", request_id=request_id)


@bp.post("/grants/<int:grant_id>/withdraw")
def withdraw_grant(grant_id: int):
    actor = signed_in()
    grant = grants.withdraw_grant(
        db.session,
        actor,
        grant_id,
        reason=text_or_none(request.form.get("reason")),
        expected_version=request.form.get("version", type=int),
    )
    return done("已撤销授权，相应数据流已终止", "sharing_pages.show", request_id=grant.request_id)


@bp.post("/grants/<int:grant_id>/renew")
def renew_grant(grant_id: int):
    """续期: a new end date (empty: 长期), by the provider, while the grant is active."""
    actor = signed_in()
    grant = grants.get_grant(db.session, actor, grant_id)
    ends_on = request.form.get("ends_on", "").strip()
    try:
        grants.renew_grant(
            db.session,
            actor,
            grant_id,
            ends_on=date.fromisoformat(ends_on) if ends_on else None,
            expected_version=request.form.get("version", type=int),
            today=_settings().today(),
        )
    except (RegistryError, ValueError) as exc:
        db.session.rollback()
        if isinstance(exc, ValueError):
            exc = RegistryError("日期格式应为 YYYY-MM-DD", errors={"ends_on": ["日期格式有误"]})
        if exc.status in (401, 403, 404):
            raise exc from None
        return show(grant.request_id, FormErrors.of(exc), exc.status)
    return done("已续期授权", "sharing_pages.show", request_id=grant.request_id)


@bp.post("/corrections")
def create_correction():
    actor = signed_in()
    form = request.form
    data = {
        "resource_id": form.get("resource_id", 0, type=int),
        "item_name": text_or_none(form.get("item_name")),
        "description": form.get("description", "").strip(),
        "example": text_or_none(form.get("example")),
    }
    feedback.create_correction(
        db.session,
        actor,
        data=load(CorrectionSchema(), {k: v for k, v in data.items() if v not in ("", None)}),
        settings=_settings(),
        deadline_days=current_app.config["CORRECTION_DEADLINE_DAYS"],
    )
    return done(
        "已提交纠错，提供方将在期限内答复", "web.resource_page", resource_id=data["resource_id"]
    )


@bp.post("/corrections/<int:correction_id>/answer")
def answer_correction(correction_id: int):
    correction = feedback.answer_correction(
        db.session,
        signed_in(),
        correction_id,
        answer=request.form.get("answer", "").strip(),
        corrected=request.form.get("corrected") == "on",
        expected_version=request.form.get("version", type=int),
        settings=_settings(),
    )
    return done("已答复纠错", "web.resource_page", resource_id=correction.resource_id)


@bp.post("/grants/<int:grant_id>/usage")
def report_usage(grant_id: int):
    """使用情况反馈 from the request's page (the consumer)."""
    actor = signed_in()
    form = request.form
    data = {
        "period": form.get("period", "").strip(),
        "uses": form.get("uses", "").strip(),
        "purposes": form.get("purposes", "").strip(),
        "met_purpose": form.get("met_purpose") == "on",
        "problems": text_or_none(form.get("problems")),
    }
    loaded = load(
        UsageReportSchema(exclude=("grant_id",)),
        {k: v for k, v in data.items() if v not in ("", None)},
    )
    feedback.submit_usage_report(db.session, actor, grant_id, data=loaded, settings=_settings())
    grant = grants.get_grant(db.session, actor, grant_id)
    return done("已报告使用情况", "sharing_pages.show", request_id=grant.request_id)


@bp.get("/inbox")
def inbox():
    """消息: the department's and the role's, newest first."""
    actor = signed_in()
    notes = db.session.scalars(notifications.inbox(actor).limit(100)).all()
    return render_template("sharing/inbox.html", notes=notes)


@bp.post("/inbox/<int:notification_id>/read")
def mark_read(notification_id: int):
    note = notifications.mark_read(db.session, signed_in(), notification_id)
    target = {"share_request": "sharing_pages.show"}.get(note.subject_type)
    if target:
        return redirect(url_for(target, request_id=note.subject_id), code=303)
    return redirect(url_for("sharing_pages.inbox"), code=303)
