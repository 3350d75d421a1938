"""Every read route, as every role: who gets the record (200), who is refused (401/403),
and for whom it does not exist (404: another department's draft looks like nothing).

The table is the read half of the role model; ``test_reads_cover_every_route`` keeps it
complete as routes are added."""

from __future__ import annotations

import pytest

from registry import unit_of_work
from registry.db import db
from registry.models import Correction, Finding, Grant
from registry.services import (
    confirmations,
    elements,
    flows,
    interfaces,
    projects,
    systems,
    users,
)

from .factories import resource_in, share_request
from .helpers import SYSTEM

ROLES = ("anonymous", "editor_a", "editor_b", "reviewer", "ndrc", "auditor", "admin")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)


@pytest.fixture
def ids(app, world, api):
    """One record of every kind, department A's, and an import by editor_a."""
    with app.app_context():
        s = db.session
        system = systems.create_system(
            s,
            SYSTEM,
            data={
                "code": "SYS-R",
                "name": "甲系统",
                "department_id": world.dept_a,
                "deployment": "政务云",
                "in_system_catalog": True,
            },
        )
        draft = resource_in(world.dept_a_code, name="甲草稿")
        public = resource_in(
            world.dept_a_code,
            "published",
            name="甲公开",
            open_type="无条件开放",
            system_ids=[system.id],
        )
        interface = interfaces.create_interface(
            s,
            SYSTEM,
            data={
                "name": "甲接口",
                "kind": "api",
                "department_id": world.dept_a,
                "platform_connected": True,
                "resource_ids": [public.id],
            },
        )
        flow = flows.create_flow(
            s,
            SYSTEM,
            data={"source_department_id": world.dept_a, "target_department_id": world.dept_b},
        )
        project = projects.create_project(
            s,
            SYSTEM,
            data={
                "code": "XM-R",
                "name": "甲项目",
                "lead_department_id": world.dept_a,
                "investment": 100,
            },
        )
        project.stage = "construction"
        system.projects = [project]
        element = elements.create_element(
            s, SYSTEM, data={"identifier": "XM", "name": "姓名", "data_type": "C"}
        )
        finding = Finding(
            kind="not_in_system_catalog",
            fingerprint="r:1",
            subject_type="system",
            subject_id=system.id,
            department_id=world.dept_a,
            title="测试",
            evidence={},
            status="open",
            history=[],
        )
        s.add(finding)
        s.flush()
        conf = confirmations.apply_for_confirmation(s, SYSTEM, project.id)
        from flask import current_app

        conf = confirmations.issue_confirmation(
            s,
            SYSTEM,
            conf.id,
            opinion=None,
            override_reason="测试",
            expected_version=conf.version,
            settings=confirmations.ConfirmationSettings.from_config(current_app.config),
        )
        token_id = users.list_tokens(s, SYSTEM, user_id=world.user_ids["editor_b"])[0].id
        request = share_request(world, "approved")
        grant_id = s.query(Grant).filter_by(request_id=request.id).one().id
        correction = Correction(
            resource_id=public.id,
            provider_department_id=world.dept_a,
            requester_department_id=world.dept_b,
            description="有误",
            submitted_at=request.submitted_at,
        )
        s.add(correction)
        s.flush()
        out = {
            "system": system.id,
            "draft": draft.id,
            "public": public.id,
            "interface": interface.id,
            "flow": flow.id,
            "project": project.id,
            "element": element.id,
            "finding": finding.id,
            "confirmation": conf.id,
            "number": conf.number,
            "user": world.user_ids["editor_b"],
            "token": token_id,
            "dept": world.dept_a,
            "share_request": request.id,
            "grant": grant_id,
            "correction": correction.id,
        }
        unit_of_work.commit(app)
    import io

    from importers.writers import write_json

    text = io.StringIO()
    write_json([{"name": "x"}], text)
    r = api.as_("editor_a").client.post(
        "/api/v1/imports?dry_run=true",
        data={"file": (io.BytesIO(text.getvalue().encode()), "a.json")},
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
        content_type="multipart/form-data",
    )
    out["import"] = (
        r.get_json()["errors"]["import_id"] if r.status_code == 422 else r.get_json()["id"]
    )
    run = api.as_("reviewer").post(
        "/api/v1/analyses", json={"analyses": ["flow_cycle"], "match": False}
    )
    out["run"] = run.get_json()["id"]
    return out


def allowed(*roles: str) -> dict[str, int]:
    """200 for these roles, 401 for anonymous callers, 403 for the other signed-in ones."""
    ok = set(roles) if roles else SIGNED_IN
    return {r: 200 if r in ok else 401 if r == "anonymous" else 403 for r in ROLES}


PUBLIC = dict.fromkeys(ROLES, 200)
# Another department's draft does not exist for those who may not read it.
DRAFT = {
    **dict.fromkeys(ROLES, 404),
    **dict.fromkeys(("editor_a", "reviewer", "auditor", "admin"), 200),
}
READ_ALL = ("reviewer", "auditor", "admin")

# Departments and the data-element dictionary (GB/T 19488) are public reference data.
READS: dict[str, tuple[str, dict[str, int]]] = {
    "/api/v1/departments": ("/api/v1/departments", PUBLIC),
    "/api/v1/departments/<int:record_id>": ("/api/v1/departments/{dept}", PUBLIC),
    "/api/v1/systems": ("/api/v1/systems", allowed()),
    "/api/v1/systems/<int:record_id>": ("/api/v1/systems/{system}", allowed()),
    "/api/v1/projects": ("/api/v1/projects", allowed()),
    "/api/v1/projects/<int:record_id>": ("/api/v1/projects/{project}", allowed()),
    "/api/v1/interfaces": ("/api/v1/interfaces", allowed()),
    "/api/v1/interfaces/<int:record_id>": ("/api/v1/interfaces/{interface}", allowed()),
    "/api/v1/flows": ("/api/v1/flows", allowed()),
    "/api/v1/flows/<int:record_id>": ("/api/v1/flows/{flow}", allowed()),
    "/api/v1/data-elements": ("/api/v1/data-elements", PUBLIC),
    "/api/v1/data-elements/<int:record_id>": ("/api/v1/data-elements/{element}", PUBLIC),
    "/api/v1/data-elements/<int:element_id>/versions": (
        "/api/v1/data-elements/{element}/versions",
        PUBLIC,
    ),
    "/api/v1/users": ("/api/v1/users", allowed("auditor", "admin")),
    "/api/v1/users/<int:record_id>": ("/api/v1/users/{user}", allowed("auditor", "admin")),
    # A user's own tokens are theirs to see (the account page); the auditor sees all.
    "/api/v1/users/<int:user_id>/tokens": (
        "/api/v1/users/{user}/tokens",
        allowed("editor_b", "auditor", "admin"),
    ),
    # Catalog entries: anonymous callers see what is published and open to the public.
    "/api/v1/resources": ("/api/v1/resources", PUBLIC),
    "/api/v1/resources/<int:resource_id>": ("/api/v1/resources/{draft}", DRAFT),
    "/api/v1/resources/<int:resource_id>/items": ("/api/v1/resources/{draft}/items", DRAFT),
    "/api/v1/resources/<int:resource_id>/versions": ("/api/v1/resources/{draft}/versions", DRAFT),
    "/api/v1/search": ("/api/v1/search?q=甲", PUBLIC),
    "/api/v1/exports": ("/api/v1/exports?format=json", PUBLIC),
    "/api/v1/imports/template": ("/api/v1/imports/template", PUBLIC),
    "/api/v1/imports": ("/api/v1/imports", allowed()),
    "/api/v1/imports/<int:import_id>": ("/api/v1/imports/{import}", allowed("editor_a", *READ_ALL)),
    "/api/v1/analyses/<int:run_id>": ("/api/v1/analyses/{run}", allowed()),
    "/api/v1/findings": ("/api/v1/findings", allowed()),
    "/api/v1/findings/<int:finding_id>": ("/api/v1/findings/{finding}", allowed()),
    "/api/v1/graph/<string:kind>/<int:node_id>": ("/api/v1/graph/system/{system}", allowed()),
    "/api/v1/graph/export": ("/api/v1/graph/export", allowed()),
    "/api/v1/match-reviews": ("/api/v1/match-reviews", allowed("reviewer", "admin")),
    # Confirmations: the project's department, the 大数据中心, 发改委 and auditors.
    "/api/v1/confirmations": ("/api/v1/confirmations", allowed("ndrc", *READ_ALL)),
    "/api/v1/confirmations/<int:confirmation_id>": (
        "/api/v1/confirmations/{confirmation}",
        allowed("editor_a", "ndrc", *READ_ALL),
    ),
    "/api/v1/confirmations/<int:confirmation_id>/document": (
        "/api/v1/confirmations/{confirmation}/document",
        allowed("editor_a", "ndrc", *READ_ALL),
    ),
    "/api/v1/confirmations/<int:confirmation_id>/pdf": (
        "/api/v1/confirmations/{confirmation}/pdf",
        allowed("editor_a", "ndrc", *READ_ALL),
    ),
    "/api/v1/confirmations/<int:confirmation_id>/print": (
        "/api/v1/confirmations/{confirmation}/print",
        allowed("editor_a", "ndrc", *READ_ALL),
    ),
    # Sharing: both departments of a request and every role that oversees sharing.
    "/api/v1/share-requests": ("/api/v1/share-requests", allowed()),
    "/api/v1/share-requests/<int:request_id>": (
        "/api/v1/share-requests/{share_request}",
        allowed(),
    ),
    "/api/v1/grants": ("/api/v1/grants", allowed()),
    "/api/v1/grants/unused": ("/api/v1/grants/unused", allowed()),
    "/api/v1/grants/<int:grant_id>": ("/api/v1/grants/{grant}", allowed()),
    "/api/v1/usage-reports": ("/api/v1/usage-reports", allowed()),
    "/api/v1/sharing-scores": ("/api/v1/sharing-scores", allowed()),
    "/api/v1/sharing-scores/export": ("/api/v1/sharing-scores/export", allowed()),
    "/api/v1/corrections": ("/api/v1/corrections", allowed()),
    "/api/v1/corrections/<int:correction_id>": (
        "/api/v1/corrections/{correction}",
        allowed(),
    ),
    # The scheduler's state, its runs and errors: administrators only.
    "/api/v1/jobs": ("/api/v1/jobs", allowed("admin")),
    "/api/v1/jobs/<name>/runs": ("/api/v1/jobs/sharing_scan/runs", allowed("admin")),
    "/verify/<path:number>": ("/verify/{number}", PUBLIC),
    "/api/v1/openapi.json": ("/api/v1/openapi.json", PUBLIC),
    # CKAN's Action API: what it lists is the public catalog, for every caller.
    "/api/3/action/<name>": ("/api/3/action/package_list", PUBLIC),
    "/api/action/<name>": ("/api/action/status_show", PUBLIC),
    "/api/v1/docs": ("/api/v1/docs", PUBLIC),
    "/api/v1/docs/static/<path:filename>": ("/api/v1/docs/static/swagger-ui.css", PUBLIC),
}


@pytest.mark.parametrize("rule", sorted(READS))
def test_read_matrix(api, ids, rule):
    template, expected = READS[rule]
    url = template.format(**ids)
    got = {}
    for role in ROLES:
        response = api.as_(None if role == "anonymous" else role).get(url)
        got[role] = response.status_code
        response.close()  # a file answer (the static assets) holds its file until closed
    assert got == expected, (url, got)


def test_reads_cover_every_route(app):
    reads = {
        r.rule
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.rule.startswith(("/api/", "/verify"))
    }
    assert reads == set(READS), sorted(reads ^ set(READS))
