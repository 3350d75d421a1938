"""Benchmark of catalog imports (issue: import and export).

(a) A generated workbook of 20,000 resources with 400,000 data items, imported into an
    empty SQLite registry through the real path (read, assemble, plan, apply).
(b) The province as CSV (120,000 resources, 2.4 million items) imported in committed
    batches (--batch-size), as very large files are.
Baselines in the same run: reading the same file with the spreadsheet library (or the
csv module) alone, and inserting the same rows with SQLAlchemy Core bulk inserts.
Each stage runs in its own process so its peak RSS is its own.

    python benchmarks/imports.py [--resources 20000] [--province-resources 120000] [--skip-province]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ITEMS_PER_RESOURCE = 20


def records(n: int, offset: int = 0):
    for i in range(offset, offset + n):
        yield {
            "key": i + 1,
            "classification_code": "307001",
            "name": f"基准导入资源{i}",
            "summary": "由基准脚本生成的信息资源，用于测量导入性能",
            "format_class": "数据库",
            "format_detail": "oracle",
            "share_type": "有条件共享",
            "share_condition": "仅限政务用途",
            "share_method_class": "共享平台方式",
            "share_method_platform": "接口",
            "open_type": "不予开放",
            "update_cycle": "每月",
            "publish_date": "2026-01-15",
            "items": [
                {
                    "name": f"信息项{k:02d}",
                    "data_type": "字符型C",
                    "length": 50,
                    "collection_mode": "collected",
                }
                for k in range(ITEMS_PER_RESOURCE)
            ],
        }


def make_files(tmp: Path, n: int, province: int) -> None:
    from importers.writers import write_csv, write_xlsx

    write_xlsx(records(n), str(tmp / "county.xlsx"))
    if province:
        with (tmp / "province.csv").open("w", encoding="utf-8-sig", newline="") as f:
            write_csv(records(province, offset=n), f)


def fresh_app(tmp: Path, name: str):
    from catalog_schemas import credit_code_check_char
    from registry import create_app
    from registry.authz import Actor
    from registry.db import db, write_intent
    from registry.migrate import upgrade
    from registry.services import departments

    url = f"sqlite:///{tmp / name}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp), "IMPORT_MAX_BYTES": 2**40})
    with app.app_context(), write_intent():
        body = "11330099000000099"
        dept = departments.create_department(
            db.session,
            Actor.system("bench"),
            data={
                "code": body + credit_code_check_char(body),
                "name": "基准县大数据中心",
                "kind": "事业单位",
            },
        )
        db.session.commit()
        code = dept.code
    return app, code


def stage_read(path: Path) -> dict:
    t = time.perf_counter()
    rows = 0
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                rows += 1
        wb.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            for _ in csv.reader(f):
                rows += 1
    return {"rows": rows, "seconds": time.perf_counter() - t}


def stage_bulk(tmp: Path, n: int, offset: int) -> dict:
    """The floor: the same resources and items with Core bulk inserts (executemany with
    SQLAlchemy's insertmanyvalues batching, the fastest Core form here; a multi-row
    ``insert().values([...])`` measured about 9× slower)."""
    from sqlalchemy import insert

    from registry.db import db, write_intent
    from registry.models import DataItem, Resource

    app, _ = fresh_app(tmp, f"bulk-{offset}.db")
    with app.app_context(), write_intent():
        s = db.session
        t = time.perf_counter()
        batch_r, batch_i, rid = [], [], 0
        for rec in records(n, offset):
            rid += 1
            items = rec.pop("items")
            rec.pop("key")
            from datetime import date

            batch_r.append(
                {
                    **rec,
                    "publish_date": date(2026, 1, 15),
                    "id": rid,
                    "code": f"307001/{rid:06d}",
                    "provider_department_id": 1,
                    "status": "draft",
                    "item_count": len(items),
                    "related_codes": [],
                    "version": 1,
                }
            )
            batch_i.extend({"resource_id": rid, "position": k, **it} for k, it in enumerate(items))
            if len(batch_r) == 500:
                s.execute(insert(Resource), batch_r)
                s.execute(insert(DataItem), batch_i)
                batch_r, batch_i = [], []
        if batch_r:
            s.execute(insert(Resource), batch_r)
            s.execute(insert(DataItem), batch_i)
        s.commit()
        return {"resources": rid, "seconds": time.perf_counter() - t}


def stage_import(tmp: Path, path: Path, batch_size: int | None) -> dict:
    from importers.plan import iter_records
    from importers.readers import read_file
    from registry.authz import Actor
    from registry.db import db, write_intent
    from registry.services.imports import run_import

    app, code = fresh_app(tmp, f"import-{path.stem}.db")
    with app.app_context(), write_intent():
        t = time.perf_counter()
        parsed = read_file(path, max_bytes=2**40)
        t_read = time.perf_counter() - t
        problems: list = []
        recs = iter_records(parsed, problems)  # streamed for the flattened CSV layout
        run, plan = run_import(
            db.session,
            Actor.system("bench"),
            records=recs,
            problems=problems,
            filename=path.name,
            digest="-",
            kind="bench",
            dry_run=False,
            default_department_code=code,
            batch_size=batch_size,
            commit=db.session.commit,
        )
        db.session.commit()
        return {
            "status": run.status,
            "counts": run.counts["resources"],
            "items": run.counts["items"]["create"],
            "read_s": t_read,
            "seconds": time.perf_counter() - t,
        }


def run_stage(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--province-resources", type=int, default=120000)
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--stage", nargs="*")
    args = parser.parse_args()
    if args.stage:
        kind, tmp, *rest = args.stage
        tmp = Path(tmp)
        result = {
            "read": lambda: stage_read(Path(rest[0])),
            "bulk": lambda: stage_bulk(tmp, int(rest[0]), int(rest[1])),
            "import": lambda: stage_import(tmp, Path(rest[0]), int(rest[1]) or None),
        }[kind]()
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result, ensure_ascii=False))
        return
    tmp = Path(tempfile.mkdtemp(prefix="registry-import-bench-"))
    province = 0 if args.skip_province else args.province_resources
    t = time.perf_counter()
    make_files(tmp, args.resources, province)
    report: dict = {"generate_s": round(time.perf_counter() - t, 1)}
    sets = [("county_xlsx", tmp / "county.xlsx", args.resources, 0, 0)]
    if province:
        sets.append(("province_csv", tmp / "province.csv", province, args.resources, 5000))
    for label, path, n, offset, batch in sets:
        read = run_stage("read", str(tmp), str(path))
        bulk = run_stage("bulk", str(tmp), str(n), str(offset))
        imp = run_stage("import", str(tmp), str(path), str(batch))
        items = n * ITEMS_PER_RESOURCE
        floor = read["seconds"] + bulk["seconds"]
        report[label] = {
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "resources": n,
            "items": items,
            "import": {
                "seconds": round(imp["seconds"], 1),
                "rows_per_s": round((n + items) / imp["seconds"]),
                "peak_rss_mb": imp["peak_rss_mb"],
                "read_s": round(imp["read_s"], 1),
                "status": imp["status"],
                "created": imp["counts"]["create"],
                "items_created": imp["items"],
            },
            "baseline_read": {
                "seconds": round(read["seconds"], 1),
                "peak_rss_mb": read["peak_rss_mb"],
            },
            "baseline_bulk_insert": {
                "seconds": round(bulk["seconds"], 1),
                "peak_rss_mb": bulk["peak_rss_mb"],
            },
            "ratio_import_to_read_plus_bulk": round(imp["seconds"] / floor, 2),
            # Goal (issue #10): the import's peak memory within 2x the reader's.
            "peak_rss_vs_read": round(imp["peak_rss_mb"] / read["peak_rss_mb"], 2),
        }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
