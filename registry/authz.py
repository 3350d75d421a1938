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
    "dept_editor",
    "center_reviewer",
    "ndrc_officer",
    "auditor",
    "admin",
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


def require_importer(actor: Actor) -> None:
    """Catalog imports: department editors (their own rows, checked per row) and the admin.
    Asked before a file is read, so a refused caller leaves no trace but the 403."""
    require_login(actor)
    if actor.role not in (EDITOR, ADMIN):
        raise Forbidden("只有部门编辑（或管理员）可以导入目录")


def may_read_registry(actor: Actor) -> bool:
    """Systems, interfaces (their endpoints), projects and flows: government-internal,
    read by anyone signed in (as the API's list views require), never anonymously."""
    return actor.authenticated


def sharing_departments(actor: Actor) -> tuple[int, ...] | None:
    """Whose share requests and grants an actor reads: None (all) for the roles that read
    everything and 发改委 (sharing decides funding, Art. 9(3)); else its own department's,
    as requester or provider."""
    if reads_all(actor) or actor.role == NDRC:
        return None
    return (actor.department_id,) if actor.department_id else ()


def may_read_sharing(actor: Actor, requester_department_id: int, provider_department_id: int):
    own = sharing_departments(actor)
    return own is None or bool({requester_department_id, provider_department_id} & set(own))


def may_request_share(actor: Actor, provider_department_id: int) -> bool:
    """A consumer's acts on another department's resource (requesting it, disputing its
    data): a department editor of any other department (services/sharing.py checks
    the requesting system)."""
    return actor.role == EDITOR and actor.department_id not in (None, provider_department_id)


def may_edit_catalog(actor: Actor, department_id: int) -> bool:
    """Editing a department's catalog entries: its editors and the admin."""
    return actor.role == ADMIN or (actor.role == EDITOR and actor.department_id == department_id)


def may_act_on_finding(actor: Actor, who: str, department_id: int | None) -> bool:
    """A finding's step: the reviewers' (resolve, waive, reopen) are the 大数据中心's;
    reporting rectification is its department's editors', and reviewers may too
    (services/findings.py enforces the same with require_role / require_department_editor)."""
    if actor.role in (REVIEWER, ADMIN):
        return True
    return who != "reviewer" and may_edit_catalog(actor, department_id or 0)


def may_run_analysis(actor: Actor) -> bool:
    """Running the data-flow analyses: the 大数据中心 and the 发改委 (and the admin)."""
    return actor.role in (REVIEWER, NDRC, ADMIN)


def may_retire(actor: Actor, department_id: int) -> bool:
    """Taking a published entry out of the catalog (下架): its department, the 大数据中心,
    the admin."""
    return actor.role in (REVIEWER, ADMIN) or (
        actor.role == EDITOR and actor.department_id == department_id
    )


def require_catalog_keeper(actor: Actor) -> None:
    """The 工作台 (registering, editing and importing a department's catalog): department
    editors, and the admin on any department's behalf."""
    require_login(actor)
    if actor.role not in (EDITOR, ADMIN):
        raise Forbidden("目录登记与导入由部门信息员办理")


def require_department_reader(actor: Actor, department_id: int) -> None:
    """A department's whole catalog, drafts included (its 工作台): its own editors and
    the roles that read everything."""
    require_login(actor)
    if not reads_all(actor):
        require_department_editor(actor, department_id)


def may_manage_account(actor: Actor, user_id: int) -> bool:
    """A user's password and API tokens: the user themselves, and the admin."""
    return actor.role == ADMIN or (actor.user_id is not None and actor.user_id == user_id)


def may_read_account(actor: Actor, user_id: int) -> bool:
    """A user's tokens (prefixes and dates, never the tokens): also the auditor."""
    return actor.role == AUDITOR or may_manage_account(actor, user_id)


def may_read_import(actor: Actor, actor_id: int | None) -> bool:
    """An import record: its own importer, and the roles that read everything."""
    return reads_all(actor) or (actor.user_id is not None and actor.user_id == actor_id)


# -- reading catalog entries -------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """Which catalog entries (信息资源) a caller may read, as a value every reader applies:
    the resource service as SQL, the search backends as their filter, the graph views
    node by node.

    ``published_only``: only 已发布 entries, except those of ``own_department_ids``;
    ``public_only``: only entries open to the public (anonymous callers). A retired
    entry is out of the catalog: only its own department and the roles that read
    everything still see it.
    """

    published_only: bool = True
    public_only: bool = False
    own_department_ids: tuple[int, ...] = ()

    @classmethod
    def everything(cls) -> Visibility:
        return cls(published_only=False)

    def admits(self, *, status: str, open_to_public: bool, department_id: int | None) -> bool:
        if department_id in self.own_department_ids:
            return True
        if self.published_only and status != "published":
            return False
        return open_to_public or not self.public_only


def resource_visibility(actor: Actor) -> Visibility:
    """Anonymous: published and open to the public; signed in: published, plus their own
    department's entries for editors; reviewers, auditors and admins: everything."""
    if reads_all(actor):
        return Visibility.everything()
    if not actor.authenticated:
        return Visibility(published_only=True, public_only=True)
    own = (actor.department_id,) if actor.role == EDITOR and actor.department_id else ()
    return Visibility(published_only=True, own_department_ids=own)


def feed_visibility(actor: Actor, *, include_private: bool = False) -> Visibility:
    """What the catalog's feeds for other catalogs (the CKAN Action API, DCAT) publish:
    published entries only (never a draft, not even to its own department: a harvester
    copies what it sees), open to the public ones unless a signed-in caller asks for the
    rest (``include_private``, CKAN's word for entries not open to the public), which
    every signed-in user may read."""
    return Visibility(
        published_only=True, public_only=not (include_private and actor.authenticated)
    )


# -- changing records --------------------------------------------------------------------

# A department's publication settings (services/publication.py): what its feeds and
# exports say about its entries. Its own editors set them; the rest of the record is the
# admin's.
DEPARTMENT_PUBLICATION_FIELDS = frozenset(
    {"licence_id", "contact_name", "contact_email", "contact_phone", "landing_page"}
)

# What an update may change, per kind of record. Anything else in a PATCH is refused by
# name: moving a record to another department, or changing its owner, is not an edit.
EDITABLE_FIELDS: dict[str, frozenset[str]] = {
    "system": frozenset(
        {"code", "name", "in_system_catalog", "deployment", "status", "project_ids"}
    ),
    "interface": frozenset(
        {
            "name",
            "kind",
            "endpoint",
            "protocol",
            "openapi",
            "platform_connected",
            "health",
            "resource_ids",
        }
    ),
    "flow": frozenset(
        {
            "source_system_id",
            "source_department_id",
            "target_system_id",
            "target_department_id",
            "resource_id",
            "interface_id",
            "via_platform",
            "origin",
            "project_id",
            "description",
        }
    ),
    "project": frozenset(
        {
            "code",
            "name",
            "co_department_ids",
            "investment",
            "in_county_plan",
            "planned_acceptance_date",
            "acceptance_materials",
        }
    ),
    "department": frozenset({"code", "name", "kind", "parent_id", "region", "function"})
    | DEPARTMENT_PUBLICATION_FIELDS,
    "user": frozenset({"name", "display_name", "role", "department_id", "active"}),
    "data_element": frozenset(
        {
            "identifier",
            "name",
            "synonyms",
            "data_type",
            "format",
            "value_domain",
            "source_function",
            "family",
            "source_department_id",
            "source_system_id",
            "source_resource_id",
        }
    ),
}
# Who may re-home a record (a change of owner, not an edit): the admin moves a system
# between departments (both departments' catalogs change); 发改委 names a project's lead.
# An interface serves its own department's resources, so it is registered anew instead.
REHOMING: dict[str, tuple[str, frozenset[str]]] = {
    "system": ("department_id", frozenset({ADMIN})),
    "project": ("lead_department_id", frozenset({NDRC, ADMIN})),
}


def check_editable(actor: Actor, kind: str, changes: dict) -> None:
    """Refuse, by field, any change ``kind`` does not allow this actor to make."""
    allowed = set(EDITABLE_FIELDS[kind])
    rehome = REHOMING.get(kind)
    if rehome and actor.role in rehome[1]:
        allowed.add(rehome[0])
    refused = sorted(set(changes) - allowed)
    if refused:
        raise Forbidden(
            "以下字段不能修改：" + "、".join(refused),
            code="field_not_editable",
            errors={name: ["不能修改此字段"] for name in refused},
        )


def check_department_change(actor: Actor, department_id: int, changes: dict) -> None:
    """The admin edits a department; its own editors set its publication settings only."""
    require_login(actor)
    if actor.role == ADMIN:
        check_editable(actor, "department", changes)
        return
    require_department_editor(actor, department_id)
    refused = sorted(set(changes) - DEPARTMENT_PUBLICATION_FIELDS)
    if refused:
        raise Forbidden(
            "部门编辑只能修改本部门的发布信息（许可协议、联系人、落地页）；以下字段由管理员维护："
            + "、".join(refused),
            code="field_not_editable",
            errors={name: ["由管理员维护"] for name in refused},
        )


def may_read_confirmation(
    actor: Actor, *, lead_department_id: int, co_department_ids: list[int]
) -> bool:
    """A 数据共享完成确认意见 before it is public: the project's departments, 发改委 (who
    accepts the project), and the roles that read everything."""
    return (
        reads_all(actor)
        or actor.role == NDRC
        or (
            actor.department_id is not None
            and actor.department_id in (lead_department_id, *co_department_ids)
        )
    )


def may_link_project(
    actor: Actor, *, lead_department_id: int, co_department_ids: list[int]
) -> bool:
    """A department links its systems (or flows) to a project it leads or co-builds;
    发改委 and the admin to any. Linking changes what the project's Art. 15
    confirmation covers, so it is the project's departments' decision."""
    if actor.role in (NDRC, ADMIN):
        return True
    return actor.role == EDITOR and actor.department_id in (lead_department_id, *co_department_ids)


def stage_movers(stage: str) -> tuple[str, ...]:
    """Who moves a project on from ``stage``: the 发改委; the 大数据中心 may also close its
    own county technical review (Art. 8). services/projects.py requires exactly these."""
    return (NDRC, REVIEWER) if stage == "technical_review" else (NDRC,)


def may_move_stage(actor: Actor, stage: str) -> bool:
    return actor.role == ADMIN or actor.role in stage_movers(stage)


def may_edit_project(actor: Actor, lead_department_id: int) -> bool:
    """A project's record (materials, extension requests): its lead department's editors,
    the 发改委 and the admin (require_department_editor(actor, lead, NDRC) in the service)."""
    return actor.role in (NDRC, ADMIN) or (
        actor.role == EDITOR and actor.department_id == lead_department_id
    )


def may_apply_confirmation(actor: Actor, lead_department_id: int) -> bool:
    """Applying for the Art. 15 confirmation: the lead department (and the admin)."""
    return may_edit_catalog(actor, lead_department_id)


def may_decide_confirmation(actor: Actor) -> bool:
    """Issuing, returning or revoking a confirmation: the 大数据中心 (and the admin)."""
    return actor.role in (REVIEWER, ADMIN)
