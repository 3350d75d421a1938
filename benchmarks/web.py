"""Benchmark of the web workspace at province scale (issue: sign-in and the web workspace).

Server time (the WSGI call, in process) p50/p95 of four pages, each beside the JSON API
call that returns the same data, in the same run:

- the workspace list of the largest department     vs GET /api/v1/resources?department_id=
- the review queue                                 vs GET /api/v1/resources?status=submitted
- a resource page with 100 data items              vs GET /api/v1/resources/{id} + /items
- the department page                              vs GET /api/v1/resources?department_id=
                                                      &page_size=100 + /api/v1/systems?...

and the governance pages (issue: web pages for governance):

- the findings list (every finding, overdue first)    vs GET /api/v1/findings?page_size=50
- the page of the project with most systems           vs GET /api/v1/projects/{id}
                                                         + /api/v1/findings?project_id=
- the 大数据中心's dashboard                          (no single API call returns it)
- the graph data of a whole county (time and bytes)   vs GET /api/v1/graph/export (county)
- a depth-2 neighbourhood of the largest department   vs GET /api/v1/graph/department/{id}

and the number of SQL statements each page sends for a small and a large case (a page's
statement count must not grow with what it shows). The demo has no findings until the
analyses have run: the benchmark runs them once (the time is reported).

    python benchmarks/web.py [--scale province|county] [--keep DIR] [--requests 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import catalog_entry, load_demo_once, pct  # noqa: E402
from catalog_schemas import ResourceSchema  # noqa: E402
from registry import create_app  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import Department, Finding, Resource, User, project_systems  # noqa: E402
from registry.services import analyses, resources, users  # noqa: E402

SYSTEM = Actor.system("benchmark")


def summary(values: list[float]) -> dict:
    return {"p50_ms": pct(values, 50, digits=1), "p95_ms": pct(values, 95, digits=1)}


def prepare(app, scale: str, report: dict) -> dict:
    with app.app_context(), write_intent():
        s = db.session
        load_demo_once(s, scale, report)
        report["resources"] = s.scalar(select(func.count()).select_from(Resource))
        big, small = _departments(s)
        ids = {"big": big, "small": small}
        for name, role, dept in (
            ("bench-editor", "dept_editor", big),
            ("bench-small-editor", "dept_editor", small),
            ("bench-reviewer", "center_reviewer", None),
        ):
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                user = users.create_user(
                    s, SYSTEM, data={"name": name, "role": role, "department_id": dept}
                )
            ids[name] = user.id
            ids[name + ":token"] = users.issue_token(s, SYSTEM, user_id=user.id)
        code = s.get(Department, big).code
        for n_items, key in ((100, "wide"), (3, "narrow")):
            payload = catalog_entry(
                f"基准页面资源（{n_items} 个信息项）", items=n_items, provider_code=code
            )
            entry = resources.create_resource(s, SYSTEM, data=ResourceSchema().load(payload))
            for action in ("submit", "publish"):
                entry = resources.transition_resource(
                    s, SYSTEM, entry.id, action=action, reason=None, expected_version=entry.version
                )
            ids[key] = entry.id
        s.commit()
        report["submitted_in_queue"] = s.scalar(
            select(func.count()).select_from(Resource).where(Resource.status == "submitted")
        )
        if not s.scalar(select(func.count()).select_from(Finding)):
            t = time.perf_counter()
            analyses.run_analyses(
                s,
                SYSTEM,
                scope_kind="all",
                scope_value=None,
                analyses=None,
                settings=analyses.AnalysisSettings.from_config(app.config),
            )
            s.commit()
            report["analysis_s"] = round(time.perf_counter() - t, 1)
        report["findings"] = s.scalar(select(func.count()).select_from(Finding))
        ids["project"] = s.execute(
            select(project_systems.c.project_id)
            .group_by(project_systems.c.project_id)
            .order_by(func.count().desc(), project_systems.c.project_id)
            .limit(1)
        ).scalar()
        ids["region"] = s.scalar(
            select(Department.region)
            .where(Department.region.is_not(None))
            .group_by(Department.region)
            .order_by(func.count().desc())
            .limit(1)
        )
        report["largest_department_resources"] = s.scalar(
            select(func.count()).select_from(Resource).where(Resource.provider_department_id == big)
        )
    return ids


def _departments(s) -> tuple[int, int]:
    rows = s.execute(
        select(Resource.provider_department_id, func.count())
        .group_by(Resource.provider_department_id)
        .order_by(func.count().desc())
    ).all()
    return rows[0][0], rows[-1][0]


def session_client(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        epoch = db.session.get(User, user_id).session_epoch
    with client.session_transaction() as session:
        session.update(uid=user_id, epoch=epoch, seen=int(time.time()))
    return client


class Counter:
    def __init__(self, app) -> None:
        self.n = 0
        event.listen(Database.state(app).engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs) -> None:
        self.n += 1


def timed(get, paths: list[str], requests: int) -> list[float]:
    times = []
    for path in paths:  # warm-up
        assert get(path).status_code == 200, path
    for _ in range(requests):
        t = time.perf_counter()
        for path in paths:
            response = get(path)
            response.get_data()
            assert response.status_code == 200, (path, response.status_code)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["province", "county"], default="province")
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the database in DIR")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--graph-requests", type=int, default=10)
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-web-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    report: dict = {"scale": args.scale, "database": "sqlite", "requests": args.requests}
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    ids = prepare(app, args.scale, report)
    editor = session_client(app, ids["bench-editor"])
    small_editor = session_client(app, ids["bench-small-editor"])
    reviewer = session_client(app, ids["bench-reviewer"])
    api = app.test_client()

    def bearer(name: str):
        headers = {"Authorization": f"Bearer {ids[name + ':token']}"}
        return lambda path: api.get(path, headers=headers)

    big, small = ids["big"], ids["small"]
    cases = {
        "workspace": (
            editor.get,
            ["/workspace"],
            bearer("bench-editor"),
            [f"/api/v1/resources?department_id={big}&page_size=50&sort=-updated_at"],
        ),
        "review_queue": (
            reviewer.get,
            ["/review"],
            bearer("bench-reviewer"),
            ["/api/v1/resources?status=submitted&page_size=50&sort=updated_at"],
        ),
        "resource_page_100_items": (
            editor.get,
            [f"/resources/{ids['wide']}"],
            bearer("bench-editor"),
            [f"/api/v1/resources/{ids['wide']}", f"/api/v1/resources/{ids['wide']}/items"],
        ),
        "department_page": (
            editor.get,
            [f"/departments/{big}"],
            bearer("bench-editor"),
            [
                f"/api/v1/resources?department_id={big}&page_size=100",
                f"/api/v1/systems?department_id={big}&page_size=100",
                f"/api/v1/projects?department_id={big}&page_size=100",
            ],
        ),
    }
    project, region = ids["project"], quote(ids["region"] or "")
    cases |= {
        "findings_list": (
            reviewer.get,
            ["/findings"],
            bearer("bench-reviewer"),
            ["/api/v1/findings?page_size=50&sort=-updated_at"],
        ),
        "project_page": (
            reviewer.get,
            [f"/projects/{project}"],
            bearer("bench-reviewer"),
            [f"/api/v1/projects/{project}", f"/api/v1/findings?project_id={project}"],
        ),
        "dashboard": (reviewer.get, ["/dashboard"], None, []),
    }
    graphs = {
        "graph_county": (
            f"/graph/data?region={region}",
            f"/api/v1/graph/export?scope_kind=region&scope_value={region}",
        ),
        "graph_neighbourhood_depth2": (
            f"/graph/data?node=department:{big}&depth=2",
            f"/api/v1/graph/department/{big}?depth=2&page_size=500",
        ),
    }
    report["pages"] = {}
    for name, (page_get, page_paths, api_get, api_paths) in cases.items():
        page = summary(timed(page_get, page_paths, args.requests))
        report["pages"][name] = {"page": page}
        if api_get is not None:
            api_times = summary(timed(api_get, api_paths, args.requests))
            report["pages"][name] |= {
                "api": api_times,
                "p95_page_over_api": round(page["p95_ms"] / api_times["p95_ms"], 2),
            }
    for name, (page_path, api_path) in graphs.items():
        body = reviewer.get(page_path).get_data()
        data = json.loads(body)
        report["pages"][name] = {
            "page": summary(timed(reviewer.get, [page_path], args.graph_requests)),
            "api": summary(timed(bearer("bench-reviewer"), [api_path], args.graph_requests)),
            "bytes": len(body),
            "nodes": len(data["nodes"]),
            "edges": len(data["edges"]),
            "scope_nodes": data["total_nodes"],
        }

    counter = Counter(app)

    def statements(get, path: str) -> int:
        get(path)  # warm
        before = counter.n
        assert get(path).status_code == 200, path
        return counter.n - before

    report["sql_statements"] = {
        "workspace": {
            "small_department": statements(small_editor.get, "/workspace"),
            "largest_department": statements(editor.get, "/workspace"),
        },
        "resource_page": {
            "3_items": statements(editor.get, f"/resources/{ids['narrow']}"),
            "100_items": statements(editor.get, f"/resources/{ids['wide']}"),
        },
        "department_page": {
            "small_department": statements(editor.get, f"/departments/{small}"),
            "largest_department": statements(editor.get, f"/departments/{big}"),
        },
        "review_queue": {"page": statements(reviewer.get, "/review")},
        "findings_list": {"page": statements(reviewer.get, "/findings")},
        "project_page": {"page": statements(reviewer.get, f"/projects/{project}")},
        "dashboard": {"page": statements(reviewer.get, "/dashboard")},
    }
    report["goal"] = (
        "p95 <= 100 ms per page on SQLite, and <= 1.5x its API call; graph data for a "
        "county <= 1 s and <= 5 MB"
    )
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
