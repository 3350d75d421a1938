"""The graph analyses on the demo county: exactly the planted problems, idempotent runs,
self-resolving and reopening findings, the lifecycle, the Art. 17 block, neighbourhoods."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from sqlalchemy import select

from registry.db import db
from registry.demo import load_demo
from registry.models import Department, Finding, Flow, InformationSystem, Project, Resource
from registry.services.analyses import AnalysisSettings, run_analyses

from .helpers import SYSTEM


def _load(app):
    with app.app_context():
        answers = load_demo(db.session, scale="county").answers
        db.session.commit()
    return answers


def _run(app, **kw):
    with app.app_context():
        run = run_analyses(
            db.session,
            SYSTEM,
            scope_kind=kw.pop("scope_kind", "all"),
            scope_value=kw.pop("scope_value", None),
            analyses=kw.pop("analyses", None),
            settings=AnalysisSettings.from_config(app.config),
            **kw,
        )
        db.session.commit()
        return run.id, run.summary


def _open(app, kind):
    with app.app_context():
        return db.session.scalars(
            select(Finding).where(Finding.kind == kind, Finding.status == "open")
        ).all()


def test_demo_findings_match_the_answer_file(app):
    answers = _load(app)
    _run(app)
    dup = {
        (e["identifier"], f.evidence["system"]["code"])
        for f in _open(app, "duplicate_collection")
        for e in f.evidence["elements"]
    }
    planted = {
        (case["element"], e["system"])
        for case in answers["duplicate_collection"]
        for e in case["collected_by"]
    }
    assert dup == planted
    # One finding per system and source, however many elements it collects again.
    keys = [(f.subject_id, f.evidence["source"]) for f in _open(app, "duplicate_collection")]
    assert len(keys) == len(set(keys))
    for f in _open(app, "duplicate_collection"):
        for e in f.evidence["elements"]:
            case = next(
                c for c in answers["duplicate_collection"] if c["element"] == e["identifier"]
            )
            assert f.evidence["obtain_from_resource"]["code"] == case["authoritative"]["resource"]
            assert e["items"] and e["item_count"] >= 1
        assert "原始采集了" in f.title and "共享获取" in f.title
    overlaps = {
        tuple(p["code"] for p in f.evidence["projects"]) for f in _open(app, "scope_overlap")
    }
    assert overlaps == {tuple(o["projects"]) for o in answers["scope_overlap"]}
    for f in _open(app, "scope_overlap"):
        shared = f.evidence["overlap"]["systems"]["shared"]
        assert shared == next(
            o["shared_systems"]
            for o in answers["scope_overlap"]
            if o["projects"] == [p["code"] for p in f.evidence["projects"]]
        )
        assert f.evidence["co_built"] is True
    assert {f.evidence["system"]["code"] for f in _open(app, "not_in_system_catalog")} == set(
        answers["not_in_system_catalog"]
    )
    assert {f.evidence["resource"]["code"] for f in _open(app, "unshared_resource")} == set(
        answers["unshared_resources"]
    )
    assert {
        (f.evidence["from"]["code"], f.evidence["to"]["code"])
        for f in _open(app, "bypasses_platform")
    } == {(b["from_system"], b["to_system"]) for b in answers["bypasses_platform"]}
    assert _open(app, "flow_cycle") == []


def test_rerun_is_idempotent_and_causes_resolve_and_return(app):
    _load(app)
    _, first = _run(app)
    _, second = _run(app)
    assert second["findings"]["created"] == 0 and second["findings"]["resolved"] == 0
    assert second["findings"]["seen"] == sum(first["found"].values())
    # Per kind: the first run created what it found, the second saw the same again.
    for kind, n in first["found"].items():
        assert first["findings"]["by_kind"][kind]["created"] == n
        assert second["findings"]["by_kind"][kind] == {
            "created": 0,
            "seen": n,
            "resolved": 0,
            "reopened": 0,
        }
    with app.app_context():
        s = db.session
        system = s.get(InformationSystem, _open(app, "not_in_system_catalog")[0].subject_id)
        system.in_system_catalog = True
        s.commit()
        system_id = system.id
    _, third = _run(app, analyses=["not_in_system_catalog"])
    assert third["findings"]["resolved"] == 1
    assert third["findings"]["by_kind"]["not_in_system_catalog"]["resolved"] == 1
    with app.app_context():
        f = db.session.scalar(
            select(Finding).where(Finding.fingerprint == f"not_in_system_catalog:{system_id}")
        )
        assert f.status == "resolved" and "自动关闭" in f.history[-1]["note"]
        db.session.get(InformationSystem, system_id).in_system_catalog = False
        db.session.commit()
    _, fourth = _run(app, analyses=["not_in_system_catalog"])
    assert fourth["findings"]["reopened"] == 1 and fourth["findings"]["created"] == 0
    assert fourth["findings"]["by_kind"]["not_in_system_catalog"]["reopened"] == 1
    with app.app_context():
        f = db.session.scalar(
            select(Finding).where(Finding.fingerprint == f"not_in_system_catalog:{system_id}")
        )
        assert f.status == "open" and [h["to"] for h in f.history] == ["open", "resolved", "open"]


def test_flow_cycle_detected(app, api):
    sys_ids = []
    for who, code in (("editor_a", "A"), ("editor_b", "B")):
        r = api.as_(who).post(
            "/api/v1/systems",
            json={
                "code": code,
                "name": f"系统{code}",
                "deployment": "政务云",
                "in_system_catalog": True,
            },
        )
        sys_ids.append(r.get_json()["id"])
    for src, dst in ((0, 1), (1, 0)):
        assert (
            api.as_("reviewer")
            .post(
                "/api/v1/flows",
                json={"source_system_id": sys_ids[src], "target_system_id": sys_ids[dst]},
            )
            .status_code
            == 201
        )
    r = api.as_("reviewer").post(
        "/api/v1/analyses", json={"analyses": ["flow_cycle"], "match": False}
    )
    assert r.status_code == 201, r.get_json()
    cycles = _open(app, "flow_cycle")
    assert len(cycles) == 1 and len(cycles[0].evidence["flow_ids"]) == 2


def test_lifecycle_roles_and_art17_block(app, api):
    _load(app)
    _run(app, analyses=["not_in_system_catalog"])
    finding = _open(app, "not_in_system_catalog")[0]
    dept = finding.department_id
    with app.app_context():
        from registry.services import users

        user = users.create_user(
            db.session, SYSTEM, data={"name": "ed", "role": "dept_editor", "department_id": dept}
        )
        api.world.tokens["ed"] = users.issue_token(db.session, SYSTEM, user_id=user.id)
        db.session.commit()
    # Art. 17: the department cannot start a project while the finding is open
    r = api.as_("ed").post(
        "/api/v1/projects", json={"code": "XM-X", "name": "新项目", "investment": "100"}
    )
    assert r.status_code == 409 and r.get_json()["code"] == "art17_block"
    assert any(f"#{finding.id}" in msg for msg in r.get_json()["errors"]["findings"])
    url = f"/api/v1/findings/{finding.id}"
    etag = api.as_("ed").get(url).headers["ETag"]
    assert api.as_("editor_a").post(url + "/rectifying", json={}, etag=etag).status_code == 403
    r = api.as_("ed").post(url + "/rectifying", json={"plan": "申请列入系统目录"}, etag=etag)
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"due_date"}
    r = api.as_("ed").post(
        url + "/rectifying",
        json={"plan": "申请列入系统目录", "due_date": "2000-01-01"},
        etag=etag,
    )
    assert r.status_code == 422 and "不能早于今天" in r.get_json()["errors"]["due_date"][0]
    r = api.as_("ed").post(
        url + "/rectifying",
        json={"plan": "申请列入系统目录", "due_date": "2099-06-30"},
        etag=etag,
    )
    assert r.status_code == 200 and r.get_json()["status"] == "rectifying"
    assert (r.get_json()["plan"], r.get_json()["due_date"]) == ("申请列入系统目录", "2099-06-30")
    assert r.get_json()["history"][-1]["due_date"] == "2099-06-30"
    listed = api.as_("reviewer").get("/api/v1/findings?status=rectifying").get_json()
    assert finding.id in [f["id"] for f in listed]
    assert api.as_("reviewer").get("/api/v1/findings?overdue=true").get_json() == []
    assert (
        api.as_("ed")
        .post("/api/v1/projects", json={"code": "XM-X", "name": "新项目", "investment": "100"})
        .status_code
        == 409
    )
    r2 = api.as_("reviewer").post(url + "/waive", json={}, etag=r.headers["ETag"])
    assert r2.status_code == 422 and "reason" in r2.get_json()["errors"]
    assert (
        api.as_("ed").post(url + "/waive", json={"reason": "x"}, etag=r.headers["ETag"]).status_code
        == 403
    )
    r3 = api.as_("reviewer").post(
        url + "/waive", json={"reason": "系统已停用，待下线"}, etag=r.headers["ETag"]
    )
    assert r3.status_code == 200 and r3.get_json()["status"] == "waived"
    with app.app_context():  # other open Art. 17 findings of the same department still block
        others = db.session.scalars(
            select(Finding).where(Finding.department_id == dept, Finding.status == "open")
        ).all()
        for f in others:
            f.status = "waived"
        db.session.commit()
    r = api.as_("ed").post(
        "/api/v1/projects", json={"code": "XM-X", "name": "新项目", "investment": "100"}
    )
    assert r.status_code == 201, r.get_json()
    # waived findings stay waived when the analysis runs again
    _run(app, analyses=["not_in_system_catalog"])
    with app.app_context():
        assert db.session.get(Finding, finding.id).status == "waived"


def test_stage_moves_blocked_by_art17(app, api):
    _load(app)
    with app.app_context():
        project = db.session.scalar(select(Project).order_by(Project.id))
        project.stage = "planned"
        system = db.session.scalar(
            select(InformationSystem).where(
                InformationSystem.department_id == project.lead_department_id
            )
        )
        system.in_system_catalog = False  # Art. 17: missing from the county system catalog
        db.session.commit()
        pid = project.id
    _run(app, analyses=["not_in_system_catalog"])
    with app.app_context():
        etag = db.session.get(Project, pid).etag
    r = api.as_("ndrc").post(
        f"/api/v1/projects/{pid}/stage", json={"to_stage": "proposal"}, etag=etag
    )
    assert r.status_code == 409 and r.get_json()["code"] == "art17_block"
    assert any(system.name in m for m in r.get_json()["errors"]["findings"])


def test_graph_neighbourhood_paging_and_export(app, api):
    _load(app)
    _run(app, analyses=["flow_cycle"])
    with app.app_context():
        base = db.session.scalar(select(Resource).where(Resource.classification_code == "101001"))
        flow = db.session.scalar(select(Flow))
        system_id = flow.source_system_id
    r = api.as_("ndrc").get(f"/api/v1/graph/system/{system_id}?direction=out&depth=1&page_size=5")
    body = r.get_json()
    assert r.status_code == 200 and body["page_size"] == 5 and len(body["nodes"]) == 5
    assert body["total"] > 5 and all(n["distance"] == 1 for n in body["nodes"])
    kinds = {n["kind"] for n in body["nodes"]}
    assert kinds <= {"resource", "system", "element"}
    page2 = (
        api.as_("ndrc")
        .get(f"/api/v1/graph/system/{system_id}?direction=out&depth=1&page_size=5&page=2")
        .get_json()
    )
    assert {n["id"] for n in page2["nodes"]}.isdisjoint({n["id"] for n in body["nodes"]})
    deeper = (
        api.as_("ndrc").get(f"/api/v1/graph/resource/{base.id}?depth=2&page_size=500").get_json()
    )
    assert max(n["distance"] for n in deeper["nodes"]) == 2
    bad = api.as_("ndrc").get(f"/api/v1/graph/resource/{base.id}?depth=9")
    assert bad.status_code == 400 and "depth" in bad.get_json()["errors"]
    assert api.as_(None).get(f"/api/v1/graph/resource/{base.id}").status_code == 401
    xml = api.as_("ndrc").get(
        "/api/v1/graph/export?format=graphml&scope_kind=department&scope_value="
        f"{base.provider_department_id}"
    )
    root = ET.fromstring(xml.data)
    assert root.tag.endswith("graphml") and len(root.findall(".//{*}node")) > 10
    data = (
        api.as_("ndrc")
        .get(
            "/api/v1/graph/export?format=json&scope_kind=department&scope_value="
            f"{base.provider_department_id}"
        )
        .get_json()
    )
    assert {"nodes", "edges"} <= set(data) and json.dumps(data)


def test_analyse_cli(app):
    _load(app)
    result = app.test_cli_runner().invoke(
        args=[
            "analyse",
            "--scope",
            "region:青溪县",
            "--analyses",
            "not_in_system_catalog,bypasses_platform",
        ]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])
    assert summary["found"] == {"not_in_system_catalog": 5, "bypasses_platform": 4}
    assert summary["findings"]["by_kind"]["bypasses_platform"]["created"] == 4
    bad = app.test_cli_runner().invoke(args=["analyse", "--scope", "region:不存在县"])
    assert bad.exit_code == 1 and "不存在县" in bad.output


def test_graph_page_data_flags_overlap_and_duplicates(app, monkeypatch):
    """What /graph draws: a project's framework holds the projects it overlaps with and the
    overlap edge; duplicate collectors are flagged; a scope above the drawing limit is not
    drawn whole (the page asks for a node), and a neighbourhood is bounded."""
    from registry.models import Project
    from registry.services import graph as graph_svc

    answers = _load(app)
    _run(app)
    pair = answers["scope_overlap"][0]["projects"]
    with app.app_context():
        a, b = (db.session.scalar(select(Project).where(Project.code == c)) for c in pair)
        view = graph_svc.graph_view(db.session, SYSTEM, project_id=a.id)
        nodes = {n["data"]["id"]: n["data"] for n in view["nodes"]}
        assert f"project:{b.id}" in nodes
        assert "overlap" in nodes[f"project:{a.id}"]["flags"]
        edges = [e["data"] for e in view["edges"]]
        assert any(e["type"] == "overlaps" for e in edges)
        assert all(e["source"] in nodes and e["target"] in nodes for e in edges)

        region = db.session.scalar(
            select(Department.region).where(Department.id == a.lead_department_id)
        )
        county = graph_svc.graph_view(db.session, SYSTEM, scope_kind="region", scope_value=region)
        assert not county["too_large"] and len(county["nodes"]) == county["total_nodes"]
        flagged = {n["data"]["id"] for n in county["nodes"] if "duplicate" in n["data"]["flags"]}
        planted = {
            e["system"] for case in answers["duplicate_collection"] for e in case["collected_by"]
        }
        codes = {n["data"]["code"] for n in county["nodes"] if n["data"]["id"] in flagged}
        assert planted <= codes

        monkeypatch.setattr(graph_svc, "DRAW_LIMIT", 100)
        monkeypatch.setattr(graph_svc, "NEIGHBOURHOOD_LIMIT", 10)
        too_big = graph_svc.graph_view(db.session, SYSTEM, scope_kind="region", scope_value=region)
        assert too_big["too_large"] and too_big["nodes"] == []
        around = graph_svc.graph_view(
            db.session, SYSTEM, node=f"department:{a.lead_department_id}", depth=2
        )
        assert len(around["nodes"]) == 11 and around["truncated"]
