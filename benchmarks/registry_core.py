"""Benchmark of the registry core at province scale (issue: the registry's foundation).

(a) Creating resources with 20 data items each through the service layer (validation
    done, code allocation, version snapshot, audit chain), beside the floor: the same
    rows inserted with SQLAlchemy Core ``insert().values([...])`` in bulk. Same run,
    same database, reported as resources/s and the ratio.
(b) List endpoints with filters on the province data set (120,000 resources, 2.5 million
    items): p50/p95 latency per request through the WSGI app (in process, no network),
    and the number of SQL statements per request at page sizes 20 and 200.

    python benchmarks/registry_core.py [--scale province|county] [--database-url URL]
                                       [--create N] [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog_schemas import ResourceSchema  # noqa: E402
from registry import create_app  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.demo import load_demo  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import DataItem, Department, Resource, User  # noqa: E402
from registry.runtime import freeze_startup_objects  # noqa: E402
from registry.services import resources as resource_service  # noqa: E402
from registry.services import users as user_service  # noqa: E402

ITEMS = [{"name": f"信息项{n:02d}", "data_type": "字符型C", "length": 50} for n in range(20)]


def payload(n: int, provider_code: str) -> dict:
    return {
        "classification_code": "309999",
        "name": f"基准资源{n}",
        "summary": "基准测试用信息资源",
        "provider_code": provider_code,
        "format_class": "数据库",
        "format_detail": "KingbaseES",
        "share_type": "有条件共享",
        "share_condition": "仅限政务用途",
        "share_method_class": "共享平台方式",
        "share_method_platform": "接口",
        "open_type": "不予开放",
        "update_cycle": "每日",
        "publish_date": "2026-01-01",
        "items": ITEMS,
    }


def bench_create(app, n: int, batch: int = 100) -> dict:
    schema = ResourceSchema()
    actor = Actor.system("benchmark")
    with app.app_context(), write_intent():
        dept = db.session.scalar(select(Department).order_by(Department.id))
        code = dept.code
        dept_id = dept.id
    # Service path: validation through the schema, then the service, commit per batch
    # (as an import or a burst of API requests would).
    start = time.perf_counter()
    with app.app_context(), write_intent():
        for i in range(n):
            resource_service.create_resource(db.session, actor, data=schema.load(payload(i, code)))
            if (i + 1) % batch == 0:
                db.session.commit()
        db.session.commit()
    service_s = time.perf_counter() - start

    # Floor: the same rows with Core multi-row INSERT ... VALUES, built before the clock starts.
    with app.app_context(), write_intent():
        s = db.session
        first_id = (s.scalar(select(func.max(Resource.id))) or 0) + 1
        batches = []
        for offset in range(0, n, batch):
            ids = range(first_id + offset, first_id + min(offset + batch, n))
            rows = []
            for rid in ids:
                row = schema.load(payload(rid, code))
                for key in ("items", "system_ids", "provider_code"):
                    row.pop(key)
                rows.append(
                    {
                        **row,
                        "id": rid,
                        "code": f"309998/{rid:07d}",
                        "provider_department_id": dept_id,
                        "status": "draft",
                        "item_count": 20,
                        "version": 1,
                    }
                )
            items = [
                {"resource_id": rid, "position": k, **item}
                for rid in ids
                for k, item in enumerate(ITEMS)
            ]
            batches.append((rows, items))
        start = time.perf_counter()
        for rows, items in batches:
            s.execute(insert(Resource).values(rows))
            s.execute(insert(DataItem).values(items))
            s.commit()
        bulk_s = time.perf_counter() - start
    return {
        "resources": n,
        "items_per_resource": 20,
        "service_per_s": round(n / service_s, 1),
        "bulk_core_per_s": round(n / bulk_s, 1),
        "ratio_service_to_bulk": round(service_s / bulk_s, 2),
    }


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def bench_lists(app, repeat: int) -> dict:
    with app.app_context(), write_intent():
        s = db.session
        dept = s.scalar(
            select(Department).where(Department.name.like("%公安局")).order_by(Department.id.desc())
        )
        system = Actor.system("benchmark")
        editor = s.scalar(
            select(User).where(User.name == "bench-editor")
        ) or user_service.create_user(
            s,
            system,
            data={"name": "bench-editor", "role": "dept_editor", "department_id": dept.id},
        )
        admin = s.scalar(
            select(User).where(User.name == "bench-admin")
        ) or user_service.create_user(s, system, data={"name": "bench-admin", "role": "admin"})
        tokens = {
            "editor": user_service.issue_token(s, system, user_id=editor.id),
            "admin": user_service.issue_token(s, system, user_id=admin.id),
        }
        dept = db.session.get(Department, editor.department_id)
        s.commit()
        dept_id = dept.id
    requests = [
        ("anonymous", "/api/v1/resources?page_size=20"),
        ("anonymous", "/api/v1/resources?classification=303&page_size=20"),
        ("editor", "/api/v1/resources?page_size=20"),
        ("editor", f"/api/v1/resources?department_id={dept_id}&status=published&page_size=20"),
        ("editor", "/api/v1/resources?share_type=有条件共享&update_cycle=每日&page_size=20"),
        ("editor", "/api/v1/resources?q=救助对象&page_size=20"),
        ("admin", "/api/v1/resources?sort=-updated_at&page_size=20"),
        ("admin", "/api/v1/resources?page=500&page_size=20&sort=name"),
        ("admin", "/api/v1/resources?page_size=200"),
        ("admin", f"/api/v1/systems?department_id={dept_id}"),
        ("admin", "/api/v1/departments?q=公安&page_size=50"),
        ("admin", f"/api/v1/interfaces?department_id={dept_id}"),
        ("admin", f"/api/v1/flows?department_id={dept_id}"),
        ("admin", "/api/v1/projects?stage=construction"),
        ("anonymous", "/api/v1/data-elements?q=身份"),
    ]
    client = app.test_client()
    engine = Database.state(app).engine
    results = []
    for who, url in requests:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who != "anonymous" else {}
        client.get(url, headers=headers)  # warm
        timings = []
        for _ in range(repeat):
            t = time.perf_counter()
            r = client.get(url, headers=headers)
            timings.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.get_json())
        results.append(
            {
                "as": who,
                "url": url,
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 0.95), 2),
                "rows": len(r.get_json()),
            }
        )

    def statements(url: str) -> int:
        seen: list[str] = []

        def count(*args, _seen=seen):
            _seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(url, headers={"Authorization": f"Bearer {tokens['editor']}"})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    queries = {size: statements(f"/api/v1/resources?page_size={size}") for size in (20, 200)}
    return {
        "requests": results,
        "sql_statements_per_list_request": queries,
        "max_p95_ms": max(r["p95_ms"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["province", "county"], default="province")
    parser.add_argument("--database-url")
    parser.add_argument("--create", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--keep", type=Path, help="keep (or reuse) the loaded instance in this folder"
    )
    args = parser.parse_args()

    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = args.database_url or f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    report: dict = {"database": url.split(":")[0], "scale": args.scale}
    with app.app_context(), write_intent():
        if not db.session.scalar(select(func.count()).select_from(Department)):
            t = time.perf_counter()
            load_demo(db.session, scale=args.scale)
            db.session.commit()
            report["demo_load_s"] = round(time.perf_counter() - t, 1)
        report["resources_in_db"] = db.session.scalar(select(func.count()).select_from(Resource))
        report["items_in_db"] = db.session.scalar(select(func.count()).select_from(DataItem))
    report["create"] = bench_create(app, args.create)
    freeze_startup_objects()  # as `registry serve` and wsgi.py do before serving
    report["lists"] = bench_lists(app, args.repeat)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    Database.state(app).engine.dispose()
    if not args.keep:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
