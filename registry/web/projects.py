"""政务信息化项目 in the browser (Art. 7, 8, 15, 16, 17): the list; a page per project
with its stage timeline, the next stages and what each needs (the 发改委's form), the
Art. 17 banner, co-builders and their systems, the Art. 16 materials and extension
requests, the overlaps; and the Art. 15 confirmation, from the department's application
to the reviewer's decision. The services of /api/v1/projects and /confirmations."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select

from catalog_schemas.codes import PROJECT_STAGE_LABELS, PROJECT_STAGES

from ..authz import (
    may_apply_confirmation,
    may_decide_confirmation,
    may_edit_project,
    may_move_stage,
)
from ..db import db
from ..errors import RegistryError
from ..models import ACTIVE_STATUSES, ART17_KINDS, Department, Finding, Project
from ..services import confirmations as conf_svc
from ..services import projects as svc
from ..services.departments import list_departments
from ..services.details import project_detail
from .common import FormErrors, county_today, done, form_date, signed_in, text_or_none

bp = Blueprint("projects_pages", __name__)
PAGE_SIZE = 50
STAGE_LABELS = PROJECT_STAGE_LABELS
CONFIRMATION_LABELS = {
    "applied": "已申请，待审核",
    "issued": "已签发",
    "rejected": "已退回",
    "revoked": "已撤销",
    "superseded": "已被取代",
}
CHECK_LABELS = {"pass": "通过", "fail": "未通过", "not_applicable": "不适用"}
# The words the checks' evidence keys stand for, as the application page shows them.
EVIDENCE_LABELS = {
    "systems": "涉及系统数",
    "missing": "未列入系统目录的系统",
    "note": "说明",
    "without_published_catalog": "未发布目录的系统",
    "published_resources": "已发布资源数",
    "unserved": "未通过平台接口提供的资源",
    "resources": "相关资源",
    "findings": "未整改问题",
    "requests": "相关共享申请",
    "overdue": "逾期未办结的共享申请",
    "total": "共享申请总数",
}


def _settings() -> svc.StageSettings:
    return svc.StageSettings.from_config(current_app.config)


@bp.get("/projects")
def index():
    signed_in()
    stage = request.args.get("stage") or None
    stage = stage if stage in PROJECT_STAGES else None
    department_id = request.args.get("department_id", type=int)
    q = text_or_none(request.args.get("q"))
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = svc.list_projects(department_id=department_id, q=q)
    per_stage = dict(
        db.session.execute(
            select(Project.stage, func.count())
            .where(Project.id.in_(stmt.with_only_columns(Project.id).order_by(None)))
            .group_by(Project.stage)
        ).all()
    )
    if stage:
        stmt = stmt.where(Project.stage == stage)
    total = per_stage.get(stage, 0) if stage else sum(per_stage.values())
    rows = db.session.scalars(
        stmt.order_by(Project.code).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "projects/index.html",
        rows=rows,
        total=total,
        per_stage=per_stage,
        held=_held_departments(),
        stage=stage,
        department_id=department_id,
        q=q or "",
        page=page,
        per_page=PAGE_SIZE,
        names=dict(
            db.session.execute(
                list_departments().with_only_columns(Department.id, Department.name)
            ).all()
        ),
        stages=STAGE_LABELS,
    )


def _held_departments() -> set[int]:
    """Departments Art. 17 holds: those with an open finding of the blocking kinds."""
    return set(
        db.session.scalars(
            select(Finding.department_id)
            .where(Finding.kind.in_(ART17_KINDS), Finding.status.in_(ACTIVE_STATUSES))
            .distinct()
        )
    )


@bp.get("/projects/<int:project_id>")
def show(project_id: int, errors: FormErrors | None = None, status: int = 200, form: str = ""):
    actor = signed_in()
    d = project_detail(db.session, actor, project_id, settings=_settings())
    if errors:  # the stage rules name their evidence "evidence.<field>"; the form, "<field>"
        errors.fields = {k.removeprefix("evidence."): v for k, v in errors.fields.items()}
    p = d.project
    return render_template(
        "projects/show.html",
        d=d,
        p=p,
        stages=STAGE_LABELS,
        all_stages=PROJECT_STAGES,
        departments={dept.id: dept for dept in (p.lead_department, *p.co_departments)},
        confirmation_labels=CONFIRMATION_LABELS,
        may_move=may_move_stage(actor, p.stage),
        may_edit=may_edit_project(actor, p.lead_department_id),
        may_apply=may_apply_confirmation(actor, p.lead_department_id)
        and p.stage in conf_svc.APPLY_STAGES,
        today=county_today(),
        errors=errors,
        form=form,
        values=request.form,
    ), status


def _refused(exc: RegistryError, project_id: int, form: str):
    db.session.rollback()
    if exc.status in (401, 403, 404):
        raise exc
    return show(project_id, FormErrors.of(exc), exc.status, form)


@bp.post("/projects/<int:project_id>/stage")
def move(project_id: int):
    actor = signed_in()
    evidence: dict = {}
    if conclusion := text_or_none(request.form.get("expert_panel_conclusion")):
        evidence["expert_panel_conclusion"] = conclusion
    if "review_passed" in request.form:
        evidence["review_passed"] = request.form.get("review_passed") == "yes"
    if reference := text_or_none(request.form.get("city_review_reference")):
        evidence["city_review_reference"] = reference
    try:
        project = svc.move_project_stage(
            db.session,
            actor,
            project_id,
            to_stage=request.form.get("to_stage", ""),
            reason=text_or_none(request.form.get("reason")),
            evidence=evidence,
            expected_version=request.form.get("version", type=int),
            settings=_settings(),
        )
    except RegistryError as exc:
        return _refused(exc, project_id, "stage")
    label = STAGE_LABELS.get(project.stage, project.stage)
    return done(f"项目已进入“{label}”阶段", "projects_pages.show", project_id=project_id)


@bp.post("/projects/<int:project_id>/materials")
def materials(project_id: int):
    """第十六条验收材料: each present or not, with its document reference."""
    actor = signed_in()
    required = current_app.config["ACCEPTANCE_MATERIALS"]
    value = {
        key: {
            "present": request.form.get(f"present_{key}") == "on",
            "reference": text_or_none(request.form.get(f"reference_{key}")),
        }
        for key in required
    }
    try:
        svc.update_project(
            db.session,
            actor,
            project_id,
            changes={"acceptance_materials": value},
            expected_version=request.form.get("version", type=int),
        )
    except RegistryError as exc:
        return _refused(exc, project_id, "materials")
    return done("验收材料已保存", "projects_pages.show", project_id=project_id)


@bp.post("/projects/<int:project_id>/extension")
def extension(project_id: int):
    """第十六条延期验收申请."""
    actor = signed_in()
    try:
        svc.record_extension_request(
            db.session,
            actor,
            project_id,
            reason=request.form.get("reason", ""),
            new_date=form_date("new_date"),
            expected_version=request.form.get("version", type=int),
        )
    except RegistryError as exc:
        return _refused(exc, project_id, "extension")
    return done("延期验收申请已记录", "projects_pages.show", project_id=project_id)


@bp.post("/projects/<int:project_id>/confirmation")
def apply(project_id: int):
    """申请数据共享完成确认意见: every check evaluated now; the application's page follows."""
    actor = signed_in()
    try:
        conf = conf_svc.apply_for_confirmation(db.session, actor, project_id, today=county_today())
    except RegistryError as exc:
        return _refused(exc, project_id, "confirmation")
    return done(
        "已申请确认意见，检查结果如下", "projects_pages.confirmation", confirmation_id=conf.id
    )


# -- the confirmation (Art. 15) ----------------------------------------------------------


@bp.get("/confirmations/<int:confirmation_id>")
def confirmation(confirmation_id: int, errors: FormErrors | None = None, status: int = 200):
    actor = signed_in()
    conf = conf_svc.get_confirmation(db.session, actor, confirmation_id)
    project = db.session.get(Project, conf.project_id)
    return render_template(
        "projects/confirmation.html",
        c=conf,
        p=project,
        failed=conf_svc.failing(conf),
        labels=CONFIRMATION_LABELS,
        check_labels=CHECK_LABELS,
        evidence_labels=EVIDENCE_LABELS,
        may_decide=may_decide_confirmation(actor),
        errors=errors,
        values=request.form,
    ), status


@bp.post("/confirmations/<int:confirmation_id>/<any(issue, reject, revoke):action>")
def decide(confirmation_id: int, action: str):
    actor = signed_in()
    version = request.form.get("version", type=int)
    try:
        if action == "issue":
            conf_svc.issue_confirmation(
                db.session,
                actor,
                confirmation_id,
                opinion=text_or_none(request.form.get("opinion")),
                override_reason=text_or_none(request.form.get("override_reason")),
                expected_version=version,
                settings=conf_svc.ConfirmationSettings.from_config(current_app.config),
            )
        else:
            conf_svc.close_confirmation(
                db.session,
                actor,
                confirmation_id,
                action=action,
                reason=text_or_none(request.form.get("reason")),
                expected_version=version,
            )
    except RegistryError as exc:
        db.session.rollback()
        if exc.status in (401, 403, 404):
            raise
        return confirmation(confirmation_id, FormErrors.of(exc), exc.status)
    message = {"issue": "确认意见已签发", "reject": "申请已退回", "revoke": "确认意见已撤销"}
    return done(message[action], "projects_pages.confirmation", confirmation_id=confirmation_id)
