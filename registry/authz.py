"""Who may do what: the role model of DESIGN.md in one place.

dept_editor      its own department's systems, resources, interfaces, flows and projects
center_reviewer  大数据中心: reviews (publish, reject, retire), data elements
ndrc_officer     发改委: projects and their stages
auditor          reads everything, changes nothing
admin            everything, and users and departments
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden, Unauthenticated

EDITOR, REVIEWER, NDRC, AUDITOR, ADMIN = (
    "dept_editor", "center_reviewer", "ndrc_officer", "auditor", "admin",
)
# Roles that see every record, drafts included.
READ_ALL_ROLES = frozenset({REVIEWER, AUDITOR, ADMIN})


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    role: str | None
    department_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(None, "anonymous", None)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The CLI and jobs act as this (full rights); the audit names them."""
        return cls(None, name, ADMIN)


def require_login(actor: Actor) -> None:
    if not actor.authenticated:
        raise Unauthenticated()


def require_role(actor: Actor, *roles: str) -> None:
    require_login(actor)
    if actor.role != ADMIN and actor.role not in roles:
        raise Forbidden(f"需要以下角色之一：{'、'.join(roles)}")


def require_department_editor(actor: Actor, department_id: int, *extra_roles: str) -> None:
    """A dept_editor edits only its own department's records (admin anything)."""
    require_login(actor)
    if actor.role == ADMIN or actor.role in extra_roles:
        return
    if actor.role == EDITOR and actor.department_id == department_id:
        return
    if actor.role == EDITOR:
        raise Forbidden("只能维护本部门的记录", code="other_department")
    raise Forbidden()


def reads_all(actor: Actor) -> bool:
    return actor.role in READ_ALL_ROLES
