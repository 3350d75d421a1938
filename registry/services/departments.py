"""部门/单位."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from catalog_schemas import credit_code_error
from catalog_schemas.codes import local_codes

from ..authz import ADMIN, Actor, check_department_change, require_role
from ..errors import Invalid, NotFound
from ..models import Department
from ._records import (
    add_record,
    delete_record,
    ensure_unique,
    get_record,
    update_record,
    where_equal,
)
from .publication import validate_settings


def department_code_error(code: str, local_pattern: str | None) -> str | None:
    """GB 32100 credit code, unless it matches the configured local code pattern *(local)*."""
    if local_pattern and re.fullmatch(local_pattern, code):
        return None
    return credit_code_error(code)


def _validate(
    session: Session,
    data: dict[str, Any],
    local_pattern: str | None,
    exclude_id: int | None = None,
    licence_ids: Collection[str] = (),
) -> None:
    validate_settings(licence_ids, data)
    if "code" in data:
        if err := department_code_error(data["code"], local_pattern):
            raise Invalid(errors={"code": [err]})
        ensure_unique(
            session, Department, "code", data["code"], label="部门代码", exclude_id=exclude_id
        )
    if data.get("function") is not None:
        functions = local_codes().department_functions
        if data["function"] not in functions:
            proposal = local_codes().propose_function(data["function"])
            hint = f"；是否应为“{proposal}”？" if proposal else ""
            raise Invalid(
                errors={
                    "function": [
                        f"未知的部门职能“{data['function']}”{hint}（可选：{'、'.join(functions)}；"
                        "新增职能在配置 DEPARTMENT_FUNCTIONS_EXTRA 中添加）"
                    ]
                }
            )
    if data.get("parent_id") is not None:
        if data["parent_id"] == exclude_id:
            raise Invalid(errors={"parent_id": ["上级部门不能是自己"]})
        get_record(session, Department, data["parent_id"], label="上级部门", field="parent_id")


def create_department(
    session: Session,
    actor: Actor,
    *,
    data: dict[str, Any],
    local_pattern: str | None = None,
    licence_ids: Collection[str] = (),
) -> Department:
    require_role(actor, ADMIN)
    _validate(session, data, local_pattern, licence_ids=licence_ids)
    return add_record(session, actor, Department(**data), subject_type="department")


def update_department(
    session: Session,
    actor: Actor,
    department_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
    local_pattern: str | None = None,
    licence_ids: Collection[str] = (),
) -> Department:
    """The admin edits a department; its own editors set its publication settings
    (licence, contact point, landing pages)."""
    check_department_change(actor, department_id, changes)
    dept = get_record(session, Department, department_id, label="部门")
    _validate(session, changes, local_pattern, exclude_id=dept.id, licence_ids=licence_ids)
    return update_record(
        session, actor, dept, changes, expected_version=expected_version, subject_type="department"
    )


def delete_department(
    session: Session, actor: Actor, department_id: int, *, expected_version: int | None
) -> None:
    require_role(actor, ADMIN)
    dept = get_record(session, Department, department_id, label="部门")
    delete_record(
        session, actor, dept, expected_version=expected_version, subject_type="department"
    )


def departments_without_function(session: Session, department_ids=None) -> list[Department]:
    """Departments whose 职能 nobody has confirmed: the analyses cannot tell whether they
    are the authoritative source of anything (an analysis run warns about them)."""
    stmt = select(Department).where(Department.function.is_(None))
    if department_ids is not None:
        stmt = stmt.where(Department.id.in_(department_ids))
    return list(session.scalars(stmt.order_by(Department.name)))


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"部门代码“{code}”不存在", code="department_not_found")
    return dept


def list_departments(
    *,
    kind: str | None = None,
    parent_id: int | None = None,
    region: str | None = None,
    q: str | None = None,
) -> Select:
    stmt = where_equal(
        select(Department),
        (Department.kind, kind),
        (Department.parent_id, parent_id),
        (Department.region, region),
    )
    if q:
        stmt = stmt.where(Department.name.contains(q))
    return stmt
