"""Benchmark of the feeds other catalogs read (issue #16), at province scale:

- CKAN's ``package_search?q=`` p50/p95 beside ``/api/v1/search`` with the same query and
  page size, alternating, in the same run (in process: the WSGI call; goal ≤ 1.2×);
- ``ckanapi dump datasets`` (the real client, against the app served on loopback)
  throughput over a sample of packages, beside our JSON export's records per second;
- the whole published catalog as DCAT-AP Turtle, streamed (``registry export --format
  ttl``), time and peak memory of a process doing only that, beside the JSON export
  (``registry export --format json``) in the same conditions (goal: ≤ 1 GB peak).

    python benchmarks/interop.py [--keep DIR] [--repeat 3] [--dump-sample 2000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import load_demo_once, pct  # noqa: E402
from benchmarks.search import QUERIES  # noqa: E402
from registry import create_app, search  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import db, write_intent  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import Resource, SearchDocument  # noqa: E402
from registry.search import maintenance  # noqa: E402
from registry.services import ckan  # noqa: E402

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))


def summary(values: list[float]) -> dict:
    return {"p50_ms": pct(values, 50, digits=1), "p95_ms": pct(values, 95, digits=1)}


def prepare(app, report: dict) -> None:
    with app.app_context(), write_intent():
        s = db.session
        load_demo_once(s, "province", report)
        if not s.scalar(select(func.count()).select_from(SearchDocument)):
            t = time.perf_counter()
            maintenance.rebuild(s, search.backend(app))
            s.commit()
            report["index_build_s"] = round(time.perf_counter() - t, 1)
        report["resources"] = s.scalar(select(func.count()).select_from(Resource))
        report["published"] = s.scalar(
            select(func.count()).select_from(Resource).where(Resource.status == "published")
        )
        report["public"] = s.scalar(
            select(func.count())
            .select_from(Resource)
            .where(Resource.status == "published", Resource.open_type != "不予开放")
        )


def bench_search(app, repeat: int) -> dict:
    client = app.test_client()
    times: dict[str, list[float]] = {"package_search": [], "api_v1_search": []}
    hits: dict[str, int] = {}
    for q in QUERIES[:3]:  # warm caches and the tokenizer first
        client.get(f"/api/3/action/package_search?q={quote(q)}&rows=20")
        client.get(f"/api/v1/search?q={quote(q)}&limit=20")
    for _ in range(repeat):
        for q in QUERIES:
            for name, url in (
                ("package_search", f"/api/3/action/package_search?q={quote(q)}&rows=20"),
                ("api_v1_search", f"/api/v1/search?q={quote(q)}&limit=20"),
            ):
                t = time.perf_counter()
                r = client.get(url)
                times[name].append(time.perf_counter() - t)
                assert r.status_code == 200, (url, r.get_json())
                body = r.get_json()
                hits[name] = hits.get(name, 0) + (
                    body["result"]["count"] if name == "package_search" else body["total"]
                )
    out = {name: summary(v) for name, v in times.items()}
    out["p95_ratio"] = round(out["package_search"]["p95_ms"] / out["api_v1_search"]["p95_ms"], 2)
    out["p50_ratio"] = round(out["package_search"]["p50_ms"] / out["api_v1_search"]["p50_ms"], 2)
    out["same_totals"] = hits["package_search"] == hits["api_v1_search"]
    out["queries"] = len(QUERIES) * repeat
    return out


def bench_dump(app, sample: int, instance: Path) -> dict:
    from tests.conftest import served

    with app.app_context():
        names = ckan.package_list(db.session, limit=sample, offset=0)
    out_file = instance / "dump.jsonl"
    with served(app) as base:
        t = time.perf_counter()
        done = subprocess.run(
            [CKANAPI, "dump", "datasets", *names, "-r", base, "-O", str(out_file), "-p", "2"],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": f"{Path(CKANAPI).parent}:/usr/bin:/bin"},
        )
        elapsed = time.perf_counter() - t
    assert done.returncode == 0, done.stderr[-2000:]
    dumped = sum(1 for _ in out_file.open(encoding="utf-8"))
    assert dumped == len(names), (dumped, len(names))
    with app.app_context():
        from registry.services.exports import export_records

        t = time.perf_counter()
        exported = sum(1 for _ in export_records(db.session, Actor.anonymous(), app.config))
        export_s = time.perf_counter() - t
    return {
        "ckanapi_dump": {
            "packages": dumped,
            "seconds": round(elapsed, 1),
            "packages_per_s": round(dumped / elapsed, 1),
        },
        "json_export_records": {
            "records": exported,
            "seconds": round(export_s, 1),
            "records_per_s": round(exported / export_s, 1),
        },
    }


def _anon_mb() -> float:
    """Resident anonymous memory (the heap), without the pages of the database file that
    SQLite maps into the process (mmap_size): those are cache, counted in ru_maxrss."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(fmt: str, url: str, instance: str, output: str) -> None:
    """One export in a process of its own: prints its time and peak memory (heap sampled
    every 50 ms, and the whole resident set including the mapped database)."""
    import threading

    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _anon_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance})
    runner = app.test_cli_runner()
    t = time.perf_counter()
    result = runner.invoke(args=["export", "--format", fmt, "-o", output])
    elapsed = time.perf_counter() - t
    stop.set()
    sampler.join()
    assert result.exit_code == 0, result.output
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 1),
                "peak_heap_mb": round(max(peak[0], _anon_mb())),
                "peak_rss_mb": round(rss_mb),
            }
        )
    )


def bench_exports(url: str, instance: Path) -> dict:
    out = {}
    for fmt in ("json", "ttl"):
        target = instance / f"catalog.{fmt}"
        done = subprocess.run(
            [sys.executable, __file__, "--child", fmt, url, str(instance), str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["bytes"] = target.stat().st_size
        out[fmt] = figures
    out["ttl_vs_json_time"] = round(out["ttl"]["seconds"] / out["json"]["seconds"], 2)
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the database in DIR")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dump-sample", type=int, default=2000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["search", "dump", "exports"])
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-interop-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    report: dict = {"scale": "province", "database": "sqlite", "search_backend": "builtin"}
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    prepare(app, report)
    if "search" not in args.skip:
        report["search"] = bench_search(app, args.repeat)
        print(json.dumps(report["search"], ensure_ascii=False), file=sys.stderr)
    if "dump" not in args.skip:
        report["dump"] = bench_dump(app, args.dump_sample, instance)
        print(json.dumps(report["dump"], ensure_ascii=False), file=sys.stderr)
    if "exports" not in args.skip:
        report["whole_catalog"] = bench_exports(url, instance)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
