"""工作台: a department's catalog by state, the catalog-entry form, submission,
retirement, and the workbook import (plan first, then apply on confirmation)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, g, render_template, request
from marshmallow import ValidationError

from catalog_schemas import ResourceSchema

from .. import unit_of_work
from ..api.departments import DepartmentSchema
from ..authz import (
    ADMIN,
    DEPARTMENT_PUBLICATION_FIELDS,
    require_catalog_keeper,
    require_department_editor,
)
from ..db import db
from ..errors import BadRequest, Invalid, RegistryError
from ..models import CatalogImport, Department
from ..services import departments as dept_svc
from ..services import resources as svc
from ..services import review
from ..services._records import get_record
from ..services.departments import list_departments
from ..services.imports import ReadLimits, file_digest, import_file, safe_filename
from ..services.systems import list_systems
from . import resource_form
from .common import FormErrors, done, signed_in, text_or_none

bp = Blueprint("workspace", __name__, url_prefix="/workspace")
PAGE_SIZE = 50
UPLOAD_KEEP_SECONDS = 24 * 3600


def _keeper():
    actor = signed_in()
    require_catalog_keeper(actor)
    return actor


def _department_id(actor) -> int:
    """The department whose catalog is shown: the editor's own; the admin picks one."""
    if actor.role == ADMIN:
        chosen = request.values.get("department", type=int)
        if chosen:
            return chosen
    if actor.department_id is None:
        raise BadRequest("请选择部门", code="no_department")
    return actor.department_id


@bp.get("")
def index():
    actor = _keeper()
    if actor.role == ADMIN and not request.args.get("department", type=int):
        departments = db.session.scalars(list_departments().order_by(Department.name)).all()
        return render_template("workspace/choose.html", departments=departments)
    department_id = _department_id(actor)
    state = request.args.get("state") or None
    if state not in (None, *review.STATES):
        raise BadRequest("未知的状态", code="bad_query", errors={"state": ["未知的状态"]})
    page = max(request.args.get("page", 1, type=int), 1)
    counts = review.state_counts(db.session, actor, department_id=department_id)
    entries = review.department_catalog(
        db.session,
        actor,
        department_id=department_id,
        state=state,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    total = counts[state] if state else sum(counts.values())
    return render_template(
        "workspace/index.html",
        department=get_record(db.session, Department, department_id, label="部门"),
        counts=counts,
        entries=entries,
        state=state,
        states=review.STATE_LABELS,
        page=page,
        total=total,
        per_page=PAGE_SIZE,
    )


# -- the catalog-entry form ---------------------------------------------------------------


def _render_form(resource, values, rows, errors=None, department_id=None, status=200):
    department_id = resource.provider_department_id if resource else department_id
    systems = db.session.scalars(list_systems(department_id=department_id)).all()
    departments = None
    if resource is None and signed_in().role == ADMIN:
        departments = [
            (d.code, d.name)
            for d in db.session.scalars(list_departments().order_by(Department.name))
        ]
    return render_template(
        "workspace/resource_form.html",
        resource=resource,
        values=values,
        rows=rows,
        spare=resource_form.SPARE_ITEM_ROWS
        + (request.form.get("more_rows", 0, type=int) if _wants_rows() else 0),
        errors=errors or FormErrors(),
        choices=resource_form.choices(),
        systems=systems,
        departments=departments,
        labels=resource_form.FIELD_LABELS,
    ), status


@bp.get("/resources/new")
def new_resource():
    actor = _keeper()
    department_id = _department_id(actor) if actor.role != ADMIN else actor.department_id
    return _render_form(None, {}, [], department_id=department_id)


@bp.post("/resources/new")
def create_resource():
    actor = _keeper()
    data, rows = resource_form.from_form()
    if _wants_rows():
        return _render_form(None, resource_form.form_values(data), rows)
    try:
        resource = svc.create_resource(db.session, actor, data=ResourceSchema().load(data))
        if request.form.get("action") == "submit":
            _submit(actor, resource)
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return _render_form(
            None,
            resource_form.form_values(data),
            rows,
            FormErrors.of(exc),
            department_id=actor.department_id,
            status=422,
        )
    message = "已保存并提交审核" if resource.status == "submitted" else "已保存为草稿"
    return done(f"{message}：{resource.name}（{resource.code}）", "workspace.index", **_dept(actor))


@bp.get("/resources/<int:resource_id>/edit")
def edit_resource(resource_id: int):
    actor = _keeper()
    resource = svc.get_resource(db.session, actor, resource_id)
    require_department_editor(actor, resource.provider_department_id)
    values, rows = resource_form.from_resource(resource)
    return _render_form(resource, values, rows)


@bp.post("/resources/<int:resource_id>/edit")
def update_resource(resource_id: int):
    actor = _keeper()
    resource = svc.get_resource(db.session, actor, resource_id)
    data, rows = resource_form.from_form()
    data.pop("provider_code", None)  # the provider is not edited (services/resources.py)
    if _wants_rows():
        return _render_form(resource, resource_form.form_values(data), rows)
    try:
        loaded = ResourceSchema().load(data)
        resource = svc.update_resource(
            db.session,
            actor,
            resource_id,
            changes=loaded,
            expected_version=request.form.get("version", type=int),
        )
        if request.form.get("action") == "submit":
            _submit(actor, resource)
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        resource = svc.get_resource(db.session, actor, resource_id)
        return _render_form(
            resource, resource_form.form_values(data), rows, FormErrors.of(exc), status=_status(exc)
        )
    message = "已保存并提交审核" if resource.status == "submitted" else "已保存"
    return done(f"{message}：{resource.name}", "workspace.index", **_dept(actor))


def _wants_rows() -> bool:
    return request.form.get("action") == "more_rows"


def _submit(actor, resource) -> None:
    svc.transition_resource(
        db.session,
        actor,
        resource.id,
        action="submit",
        reason=None,
        expected_version=resource.version,
    )


def _status(exc: Exception) -> int:
    return exc.status if isinstance(exc, RegistryError) else 422


def _dept(actor) -> dict:
    return {"department": request.values.get("department")} if actor.role == ADMIN else {}


@bp.post("/resources/<int:resource_id>/<any(submit, retire):action>")
def transition(resource_id: int, action: str):
    actor = _keeper()
    resource = svc.transition_resource(
        db.session,
        actor,
        resource_id,
        action=action,
        reason=request.form.get("reason") or None,
        expected_version=request.form.get("version", type=int),
    )
    label = "已提交审核" if action == "submit" else "已下架"
    return done(f"{label}：{resource.name}", "workspace.index", **_dept(actor))


# -- import -------------------------------------------------------------------------------


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("import-*"):
        if old.stat().st_mtime < time.time() - UPLOAD_KEEP_SECONDS:
            old.unlink(missing_ok=True)  # a plan nobody confirmed within a day
    return folder


@bp.get("/import")
def import_page():
    _keeper()
    return render_template("workspace/import.html", run=None, plan=None)


@bp.post("/import")
def import_plan():
    """Upload: the plan is made (a dry run, recorded) and shown; nothing is written."""
    actor = _keeper()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "workspace/import.html", run=None, plan=None, error="请选择要上传的目录文件"
        ), 422
    filename = safe_filename(upload.filename)
    token = "import-" + secrets.token_hex(16) + Path(filename).suffix[:10]
    path = _uploads() / token
    upload.save(path)
    run, plan = _import(actor, path, filename, dry_run=True)
    g.keep_on_error = True  # the dry run stays on the record either way
    rejected = run.status == "rejected" or run.problem_count > 0
    if rejected:
        path.unlink(missing_ok=True)
    return render_template(
        "workspace/import.html", run=run, plan=plan, token=token, rejected=rejected
    ), (422 if rejected else 200)


@bp.post("/import/apply")
def import_apply():
    """Apply the plan the clerk saw: the same file (its digest checked), planned again
    against the catalog as it is now, written all or nothing."""
    actor = _keeper()
    token = request.form.get("token", "")
    planned = db.session.get(CatalogImport, request.form.get("import_id", 0, type=int))
    path = _uploads() / Path(token).name
    if (
        planned is None
        or not token.startswith("import-")
        or not path.exists()
        or planned.actor_id != actor.user_id
        or planned.digest != file_digest(path)
    ):
        raise Invalid("导入计划已失效，请重新上传文件", code="import_plan_expired")
    run, plan = _import(actor, path, planned.filename, dry_run=False)
    path.unlink(missing_ok=True)
    if run.status != "applied":
        g.keep_on_error = True
        return render_template(
            "workspace/import.html", run=run, plan=plan, token=None, rejected=True
        ), 422
    counts = run.counts["resources"]
    return done(
        f"导入完成：新增 {counts['create']} 项，更新 {counts['update']} 项，"
        f"未变 {counts['unchanged']} 项",
        "workspace.index",
        **_dept(actor),
    )


def _import(actor, path: Path, filename: str, *, dry_run: bool):
    return import_file(
        db.session,
        actor,
        path=path,
        filename=filename,
        dry_run=dry_run,
        limits=ReadLimits.from_settings(current_app.config),
        default_department_code=request.form.get("department_code") or None,
        reading=unit_of_work.read_phase,
    )


# -- 发布信息: what the feeds and exports say about the department's entries ----------------


def _publication_form() -> dict[str, str | None]:
    return {name: text_or_none(request.form.get(name)) for name in DEPARTMENT_PUBLICATION_FIELDS}


@bp.get("/publication")
def publication_page(errors: FormErrors | None = None, values: dict | None = None, status=200):
    """The department's licence, contact point and landing-page pattern, which its
    entries carry in the exports, the API, CKAN and DCAT-AP (services/publication.py)."""
    actor = _keeper()
    department = get_record(db.session, Department, _department_id(actor), label="部门")
    config = current_app.config
    licences = [(key, value["title"]) for key, value in config["CATALOG_LICENSES"].items()]
    current = values or {name: getattr(department, name) for name in DEPARTMENT_PUBLICATION_FIELDS}
    return render_template(
        "workspace/publication.html",
        department=department,
        values=current,
        licences=licences,
        default_licence=config["CATALOG_LICENSES"][config["CATALOG_LICENSE"]]["title"],
        default_contact=config["CATALOG_CONTACT"]["name"],
        errors=errors,
    ), status


@bp.post("/publication")
def update_publication():
    actor = _keeper()
    department_id = _department_id(actor)
    data = _publication_form()
    try:
        dept_svc.update_department(
            db.session,
            actor,
            department_id,
            changes=DepartmentSchema(partial=True, only=tuple(data)).load(data),
            expected_version=request.form.get("version", type=int),
            licence_ids=current_app.config["CATALOG_LICENSES"],
        )
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return publication_page(FormErrors.of(exc), data, getattr(exc, "status", 422))
    department = request.values.get("department", type=int)
    return done("已保存本部门的发布信息", "workspace.publication_page", department=department)
