"""系统管理: users (create, role and department, deactivate, reset password) and
departments. The same services and schemas as /api/v1/users and /api/v1/departments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from marshmallow import ValidationError

from catalog_schemas.codes import DEPARTMENT_KINDS, local_codes

from ..api.departments import DepartmentSchema
from ..api.users import UserSchema
from ..authz import ADMIN, require_role
from ..db import db
from ..errors import RegistryError
from ..models import ROLES, Department, User
from ..services import departments as dept_svc
from ..services import jobs as job_svc
from ..services import signin, users
from ..services._records import get_record
from .common import ROLE_LABELS, FormErrors, done, signed_in, text_or_none

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _admin():
    actor = signed_in()
    require_role(actor, ADMIN)
    return actor


def _departments() -> list[Department]:
    return db.session.scalars(dept_svc.list_departments().order_by(Department.name)).all()


def _user_form() -> dict[str, Any]:
    form = request.form
    data = {
        "display_name": text_or_none(form.get("display_name")),
        "role": form.get("role", ""),
        "department_id": form.get("department_id", type=int),
        "active": form.get("active") == "on",
    }
    if "name" in form:
        data["name"] = form.get("name", "").strip()
    return data


@bp.get("/users")
def users_page(errors: FormErrors | None = None, values: dict | None = None, status: int = 200):
    actor = _admin()
    rows = db.session.scalars(users.list_users().order_by(User.name)).all()
    return render_template(
        "admin/users.html",
        users=rows,
        departments=_departments(),
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
        errors=errors,
        values=values or {"active": True},
        me=actor,
    ), status


@bp.post("/users")
def create_user():
    actor = _admin()
    data = _user_form()
    password = request.form.get("password", "")
    try:
        user = users.create_user(db.session, actor, data=UserSchema().load(data))
        signin.set_password(db.session, actor, user_id=user.id, password=password)
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return users_page(FormErrors.of(exc), data, 422)
    return done(f"已创建用户 {user.name}", "admin.users_page")


@bp.get("/users/<int:user_id>")
def user_page(user_id: int, errors: FormErrors | None = None, status: int = 200):
    _admin()
    user = get_record(db.session, User, user_id, label="用户")
    return render_template(
        "admin/user.html",
        user=user,
        departments=_departments(),
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
        errors=errors,
    ), status


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    actor = _admin()
    data = _user_form()
    try:
        changes = UserSchema(partial=True).load(data)
        users.update_user(
            db.session,
            actor,
            user_id,
            changes=changes,
            expected_version=request.form.get("version", type=int),
        )
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return user_page(user_id, FormErrors.of(exc), 422)
    return done("已保存；该用户已登录的会话如涉及角色、部门或停用的变化已结束", "admin.users_page")


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    actor = _admin()
    try:
        signin.set_password(
            db.session, actor, user_id=user_id, password=request.form.get("password", "")
        )
    except RegistryError as exc:
        db.session.rollback()
        return user_page(user_id, FormErrors.of(exc), exc.status)
    return done("已重置密码，该用户的会话均已结束", "admin.user_page", user_id=user_id)


@bp.get("/departments")
def departments(errors: FormErrors | None = None, values: dict | None = None, status: int = 200):
    _admin()
    return render_template(
        "admin/departments.html",
        departments=_departments(),
        kinds=DEPARTMENT_KINDS,
        functions=list(local_codes().department_functions),
        propose=PROPOSE,
        errors=errors,
        values=values or {},
    ), status


def _department_form() -> dict[str, Any]:
    form = request.form
    return {
        "code": form.get("code", "").strip(),
        "name": form.get("name", "").strip(),
        "kind": form.get("kind", ""),
        "parent_id": form.get("parent_id", type=int),
        "region": text_or_none(form.get("region")),
        "function": text_or_none(form.get("function")),
    }


PROPOSE = "__propose__"  # the create form's default: the function the name suggests


@bp.post("/departments")
def create_department():
    actor = _admin()
    data = _department_form()
    proposed = data["function"] == PROPOSE
    if proposed:
        data["function"] = local_codes().propose_function(data["name"])
    try:
        dept = dept_svc.create_department(
            db.session,
            actor,
            data=DepartmentSchema().load(data),
            local_pattern=current_app.config["DEPARTMENT_CODE_PATTERN"],
        )
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return departments(FormErrors.of(exc), data, 422)
    if proposed:
        told = f"，职能按名称建议为“{dept.function}”" if dept.function else "，名称未提示职能"
        return done(
            f"已添加部门 {dept.name}{told}，请核对", "admin.department_page", department_id=dept.id
        )
    return done(f"已添加部门 {dept.name}", "admin.departments")


@bp.get("/departments/<int:department_id>")
def department_page(department_id: int, errors: FormErrors | None = None, status: int = 200):
    _admin()
    return render_template(
        "admin/department.html",
        department=get_record(db.session, Department, department_id, label="部门"),
        kinds=DEPARTMENT_KINDS,
        functions=list(local_codes().department_functions),
        errors=errors,
    ), status


@bp.post("/departments/<int:department_id>")
def update_department(department_id: int):
    actor = _admin()
    data = _department_form()
    data.pop("parent_id", None)  # not on this form
    try:
        dept_svc.update_department(
            db.session,
            actor,
            department_id,
            changes=DepartmentSchema(partial=True).load(data),
            expected_version=request.form.get("version", type=int),
            local_pattern=current_app.config["DEPARTMENT_CODE_PATTERN"],
        )
    except (ValidationError, RegistryError) as exc:
        db.session.rollback()
        return department_page(department_id, FormErrors.of(exc), _status(exc))
    return done("已保存部门信息", "admin.departments")


def _status(exc: Exception) -> int:
    return getattr(exc, "status", 422)


@bp.get("/jobs")
def jobs_page():
    """定时任务: the leader, each job's schedule, last run, outcome and lag; run one now."""
    actor = _admin()
    overview = job_svc.jobs_for(db.session, actor, current_app.config)
    runs = db.session.scalars(job_svc.job_history(limit=30)).all()
    return render_template("admin/jobs.html", overview=overview, runs=runs)


@bp.post("/jobs/<name>/run")
def run_job(name: str):
    actor = _admin()
    result = job_svc.run_now(db.session, actor, current_app._get_current_object(), name)
    labels = {
        "ok": "已完成",
        "skipped": "正在别处运行，已跳过",
        "error": "失败",
        "alert": "发现问题",
    }
    return done(
        f"任务 {name}：{labels.get(result['outcome'], result['outcome'])}", "admin.jobs_page"
    )
