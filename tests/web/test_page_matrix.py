"""Who may open and post to each page: every page route × every role, signed in with a
session cookie. A page route without a row here fails the suite (as for the API)."""

from __future__ import annotations

import time

import pytest

from registry.db import db
from registry.models import Grant, Notification, User

from ..conftest import fresh_database, make_app
from ..factories import resource_in, share_request
from ..helpers import build_world

ROLES = ("anonymous", "editor_a", "editor_b", "reviewer", "ndrc", "auditor", "admin")
SIGNED_IN = ROLES[1:]
TO_LOGIN = 302  # a page asks an anonymous visitor to sign in


def roles(ok: dict[str, int] | tuple[str, ...], *, anonymous: int = TO_LOGIN, other: int = 403):
    ok = dict.fromkeys(ok, 200) if isinstance(ok, tuple) else ok
    return {r: ok.get(r, anonymous if r == "anonymous" else other) for r in ROLES}


EVERYONE = dict.fromkeys(ROLES, 200)
DRAFT = {
    **dict.fromkeys(ROLES, 404),
    **dict.fromkeys(("editor_a", "reviewer", "auditor", "admin"), 200),
}

PAGES = {
    "/": ("/", EVERYONE),
    "/search": ("/search?q=人口", EVERYONE),
    "/healthz": ("/healthz", EVERYONE),
    # From the monitoring host (the test client is loopback); from elsewhere only
    # administrators read it (tests/test_operations.py).
    "/metrics": ("/metrics", EVERYONE),
    "/static/<path:filename>": ("/static/app.css", EVERYONE),
    "/resources/<int:resource_id>": ("/resources/{draft}", DRAFT),
    "/resources/<int:resource_id>/history": ("/resources/{draft}/history", DRAFT),
    "/departments/<int:department_id>": ("/departments/{dept_a}", EVERYONE),
    # DCAT-AP: the catalog and the vocabularies for everyone (each sees what the feeds
    # show them); an entry's RDF only once published, so a draft is 404 even to its own.
    "/catalog.<any(ttl, jsonld, rdf):fmt>": ("/catalog.ttl", EVERYONE),
    '/vocab/<any(classification, "access-rights", licence):name>': (
        "/vocab/access-rights",
        EVERYONE,
    ),
    "/resources/<int:resource_id>.<any(ttl, jsonld, rdf):fmt>": (
        "/resources/{draft}.jsonld",
        dict.fromkeys(ROLES, 404),
    ),
    "/login": ("/login", {**dict.fromkeys(SIGNED_IN, 302), "anonymous": 200}),
    "/logout": ("/logout", EVERYONE),
    "/account": ("/account", roles(SIGNED_IN)),
    "/workspace": ("/workspace", roles(("editor_a", "editor_b", "admin"))),
    "/workspace/resources/new": (
        "/workspace/resources/new",
        roles(("editor_a", "editor_b", "admin")),
    ),
    "/workspace/resources/<int:resource_id>/edit": (
        "/workspace/resources/{draft}/edit",
        roles(("editor_a", "admin"), other=403) | {"editor_b": 404},
    ),
    "/workspace/import": ("/workspace/import", roles(("editor_a", "editor_b", "admin"))),
    # The admin names the department (?department=); an editor works on their own.
    "/workspace/systems": (
        "/workspace/systems?department={dept_a}",
        roles(("editor_a", "editor_b", "admin")),
    ),
    "/workspace/publication": (
        "/workspace/publication?department={dept_a}",
        roles(("editor_a", "editor_b", "admin")),
    ),
    "/review": ("/review", roles(("reviewer", "admin"))),
    "/review/<int:resource_id>": ("/review/{submitted}", roles(("reviewer", "admin"))),
    "/admin/users": ("/admin/users", roles(("admin",))),
    "/admin/jobs": ("/admin/jobs", roles(("admin",))),
    "/findings": ("/findings", roles(SIGNED_IN)),
    "/findings/<int:finding_id>": ("/findings/{finding}", roles(SIGNED_IN)),
    "/findings/runs": ("/findings/runs", roles(SIGNED_IN)),
    "/findings/runs/<int:run_id>": ("/findings/runs/{run}", roles(SIGNED_IN)),
    # A progress record that does not exist: 404 for whoever is signed in.
    "/findings/runs/progress/<token>": (
        "/findings/runs/progress/0000",
        roles(dict.fromkeys(SIGNED_IN, 404)),
    ),
    "/admin/users/<int:user_id>": ("/admin/users/{user}", roles(("admin",))),
    "/admin/departments": ("/admin/departments", roles(("admin",))),
    "/admin/departments/<int:department_id>": (
        "/admin/departments/{dept_a}",
        roles(("admin",)),
    ),
    "/sharing": ("/sharing", roles(SIGNED_IN)),
    "/sharing/scores": ("/sharing/scores", roles(SIGNED_IN)),
    "/sharing/inbox": ("/sharing/inbox", roles(SIGNED_IN)),
    # A request to department A's published entry: only editors of other departments ask.
    "/sharing/new": ("/sharing/new?resource={published}", roles(SIGNED_IN)),
    "/sharing/<int:request_id>": ("/sharing/{share_request}", roles(SIGNED_IN)),
    "/projects": ("/projects", roles(SIGNED_IN)),
    "/projects/<int:project_id>": ("/projects/{project}", roles(SIGNED_IN)),
    # Before it is public: the project's departments, the 发改委 and the readers of all.
    "/confirmations/<int:confirmation_id>": (
        "/confirmations/{confirmation}",
        roles(("editor_a", "reviewer", "ndrc", "auditor", "admin")),
    ),
    "/graph": ("/graph", roles(SIGNED_IN)),
    "/dashboard": ("/dashboard", roles(SIGNED_IN)),
    "/graph/data": ("/graph/data", roles(SIGNED_IN)),
    "/graph/search": ("/graph/search?q=县", roles(SIGNED_IN)),
}

# Posts: who gets past the door. Anonymous posts are a 401 page; a refused role a 403;
# an admitted one reaches the service (which may still refuse the empty form: 4xx
# other than 401/403, or a redirect after success).
ADMITTED = "admitted"
POSTS = {
    "/login": ("/login", dict.fromkeys(ROLES, 401)),  # no name, no password: refused
    "/logout": ("/logout", dict.fromkeys(ROLES, ADMITTED)),
    "/account/password": (
        "/account/password",
        roles(dict.fromkeys(SIGNED_IN, ADMITTED), anonymous=401),
    ),
    "/account/tokens": (
        "/account/tokens",
        roles(dict.fromkeys(SIGNED_IN, ADMITTED), anonymous=401),
    ),
    "/account/tokens/<int:token_id>/revoke": (
        "/account/tokens/{token}/revoke",
        roles(dict.fromkeys(SIGNED_IN, 404), anonymous=401) | {"editor_b": ADMITTED},
    ),
    "/workspace/resources/new": (
        "/workspace/resources/new",
        roles(dict.fromkeys(("editor_a", "editor_b", "admin"), ADMITTED), anonymous=401),
    ),
    "/workspace/resources/<int:resource_id>/edit": (
        "/workspace/resources/{draft}/edit",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401) | {"editor_b": 404},
    ),
    "/workspace/resources/<int:resource_id>/<any(submit, retire):action>": (
        "/workspace/resources/{draft}/submit",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401) | {"editor_b": 403},
    ),
    "/workspace/import": (
        "/workspace/import",
        roles(dict.fromkeys(("editor_a", "editor_b", "admin"), ADMITTED), anonymous=401),
    ),
    **{
        f"/workspace/{kind}": (
            f"/workspace/{kind}?department={{dept_a}}",
            roles(dict.fromkeys(("editor_a", "editor_b", "admin"), ADMITTED), anonymous=401),
        )
        for kind in ("systems", "interfaces", "flows", "publication")
    },
    "/workspace/import/apply": (
        "/workspace/import/apply",
        roles(dict.fromkeys(("editor_a", "editor_b", "admin"), ADMITTED), anonymous=401),
    ),
    "/review/decide": (
        "/review/decide",
        roles(dict.fromkeys(("reviewer", "admin"), ADMITTED), anonymous=401),
    ),
    "/admin/users": ("/admin/users", roles({"admin": ADMITTED}, anonymous=401)),
    "/admin/users/<int:user_id>": (
        "/admin/users/{user}",
        roles({"admin": ADMITTED}, anonymous=401),
    ),
    "/admin/users/<int:user_id>/password": (
        "/admin/users/{user}/password",
        roles({"admin": ADMITTED}, anonymous=401),
    ),
    "/admin/departments": ("/admin/departments", roles({"admin": ADMITTED}, anonymous=401)),
    # The department reports rectification (the service decides; a reviewer may too).
    "/findings/<int:finding_id>/<any(rectifying, resolve, waive, reopen):action>": (
        "/findings/{finding}/rectifying",
        roles(dict.fromkeys(("editor_a", "reviewer", "admin"), ADMITTED), anonymous=401),
    ),
    # Running an analysis: the 大数据中心 and the 发改委 (the service decides).
    "/findings/runs": (
        "/findings/runs",
        roles(dict.fromkeys(("reviewer", "ndrc", "admin"), ADMITTED), anonymous=401),
    ),
    "/admin/jobs/<name>/run": (
        "/admin/jobs/sharing_scan/run",
        roles({"admin": ADMITTED}, anonymous=401),
    ),
    "/admin/departments/<int:department_id>": (
        "/admin/departments/{dept_a}",
        roles({"admin": ADMITTED}, anonymous=401),
    ),
    "/sharing/new": (
        "/sharing/new",
        roles(dict.fromkeys(SIGNED_IN, 404), anonymous=401),  # no resource named
    ),
    "/sharing/<int:request_id>/<any(approve, refuse, ask, answer, withdraw, arbitrate):action>": (
        "/sharing/{share_request}/approve",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401),
    ),
    # A consumer's voice: any signed-in reader reaches the service, which decides (an
    # empty form is refused there, by field).
    "/sharing/corrections": (
        "/sharing/corrections",
        roles(dict.fromkeys(SIGNED_IN, ADMITTED), anonymous=401),
    ),
    "/sharing/corrections/<int:correction_id>/answer": (
        "/sharing/corrections/{correction}/answer",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401),
    ),
    "/sharing/grants/<int:grant_id>/usage": (
        "/sharing/grants/{grant}/usage",
        roles(dict.fromkeys(SIGNED_IN, ADMITTED), anonymous=401),
    ),
    # The provider's department was told of the new request; nobody else reads that.
    "/sharing/inbox/<int:notification_id>/read": (
        "/sharing/inbox/{notification}/read",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401, other=404),
    ),
    "/sharing/grants/<int:grant_id>/renew": (
        "/sharing/grants/{grant}/renew",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401),
    ),
    "/sharing/grants/<int:grant_id>/withdraw": (
        "/sharing/grants/{grant}/withdraw",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401),
    ),
    # The draft is not published: who may retire reaches the service and is told so (409);
    # who may not read it does not learn it exists (404).
    "/resources/<int:resource_id>/retire": (
        "/resources/{draft}/retire",
        roles(dict.fromkeys(("editor_a", "reviewer", "admin"), ADMITTED), anonymous=401)
        | {"editor_b": 403, "ndrc": 403, "auditor": 403},
    ),
    # Stages: the 发改委 (the project is in construction, past the technical review).
    "/projects/<int:project_id>/stage": (
        "/projects/{project}/stage",
        roles(dict.fromkeys(("ndrc", "admin"), ADMITTED), anonymous=401),
    ),
    # The project's record: its lead department's editors, the 发改委, the admin.
    **{
        f"/projects/<int:project_id>/{what}": (
            f"/projects/{{project}}/{what}",
            roles(dict.fromkeys(("editor_a", "ndrc", "admin"), ADMITTED), anonymous=401),
        )
        for what in ("materials", "extension")
    },
    "/projects/<int:project_id>/confirmation": (
        "/projects/{project}/confirmation",
        roles(dict.fromkeys(("editor_a", "admin"), ADMITTED), anonymous=401),
    ),
    "/confirmations/<int:confirmation_id>/<any(issue, reject, revoke):action>": (
        "/confirmations/{confirmation}/reject",
        roles(dict.fromkeys(("reviewer", "admin"), ADMITTED), anonymous=401),
    ),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp("pages")
    app = make_app(fresh_database("sqlite", tmp, request), tmp, WTF_CSRF_ENABLED=False)
    w = build_world(app)
    with app.app_context():
        draft = resource_in(w.dept_a_code, "draft")
        request = share_request(w)
        grant = share_request(w, "approved")
        from registry.models import Correction

        correction = Correction(
            resource_id=request.resource_id,
            provider_department_id=w.dept_a,
            requester_department_id=w.dept_b,
            description="有误",
            submitted_at=request.submitted_at,
        )
        db.session.add(correction)
        from registry.models import Finding

        finding = Finding(
            kind="not_in_system_catalog",
            fingerprint="matrix:finding",
            subject_type="system",
            subject_id=1,
            department_id=w.dept_a,
            title="测试系统未列入系统目录",
            evidence={"system": {"name": "测试系统", "code": "SYS-T"}},
            history=[],
        )
        db.session.add(finding)
        from registry.models import AnalysisRun

        run = AnalysisRun(scope_kind="all", analyses=["flow_cycle"], actor_name="测试")
        db.session.add(run)
        db.session.flush()
        from registry.models import Confirmation, Project

        project = Project(
            code="XM-MATRIX",
            name="矩阵测试项目",
            lead_department_id=w.dept_a,
            investment=300,
            stage="construction",
        )
        db.session.add(project)
        db.session.flush()
        confirmation = Confirmation(
            project_id=project.id,
            applicant_name="editor_a",
            checks=[],
            catalog_state=[],
            catalog_digest="0" * 64,
        )
        db.session.add(confirmation)
        db.session.flush()
        submitted = resource_in(w.dept_a_code, "submitted")
        from registry.services import users

        from ..helpers import SYSTEM

        users.issue_token(db.session, SYSTEM, user_id=w.user_ids["editor_b"])
        token = users.list_tokens(db.session, SYSTEM, user_id=w.user_ids["editor_b"])[-1].id
        ids = {
            "draft": draft.id,
            "submitted": submitted.id,
            "dept_a": w.dept_a,
            "user": w.user_ids["ndrc"],
            "token": token,
            "share_request": request.id,
            "correction": correction.id,
            "finding": finding.id,
            "run": run.id,
            "project": project.id,
            "confirmation": confirmation.id,
            "notification": db.session.query(Notification)
            .filter_by(department_id=w.dept_a, kind="share_request.new")
            .first()
            .id,
            "published": request.resource_id,
            "grant": db.session.query(Grant).filter_by(request_id=grant.id).one().id,
        }
        db.session.commit()
    yield app, w, ids
    from registry.db import Database

    Database.state(app).engine.dispose()


def client_for(app, w, role: str):
    client = app.test_client()
    if role != "anonymous":
        with app.app_context():
            epoch = db.session.get(User, w.user_ids[role]).session_epoch
        with client.session_transaction() as session:
            session.update(uid=w.user_ids[role], epoch=epoch, seen=int(time.time()))
    return client


@pytest.mark.parametrize("rule", sorted(PAGES))
def test_page_matrix(world, rule):
    app, w, ids = world
    template, expected = PAGES[rule]
    got = {}
    for role in ROLES:
        response = client_for(app, w, role).get(template.format(**ids))
        got[role] = response.status_code
        response.close()
    assert got == expected, (rule, got)


@pytest.mark.parametrize("rule", sorted(POSTS))
def test_post_matrix(world, rule):
    app, w, ids = world
    template, expected = POSTS[rule]
    got = {}
    for role in ROLES:
        status = client_for(app, w, role).post(template.format(**ids), data={}).status_code
        admitted = status not in (401, 403, 404) and status < 500
        got[role] = ADMITTED if admitted else status
    # No write through a refused door: the draft is still a draft.
    assert got == expected, (rule, got)


def test_pages_cover_every_route(world):
    app, _, _ = world
    rules = {
        (r.rule, method)
        for r in app.url_map.iter_rules()
        if not r.rule.startswith(("/api/", "/verify"))
        for method in r.methods & {"GET", "POST"}
    }
    covered = {(rule, "GET") for rule in PAGES} | {(rule, "POST") for rule in POSTS}
    assert rules == covered, sorted(rules ^ covered)
