"""Benchmark of search at province scale (issues #3 and #17).

One run measures, beside their baselines:
- full index build (documents/s) of the built-in backend on SQLite (FTS5) and on
  PostgreSQL (a throw-away cluster from scripts/pg-test-cluster, or --postgres-url), and
  of the engine backend (a real OpenSearch node from scripts/search-node, or --search-url);
- query latency p50/p95 of GET /api/v1/search's service call over 50 realistic Chinese
  queries, plain, with filters, and with all facets, as a signed-in (non-reviewer) user,
  on each backend; each repetition times every query once, after --warmup untimed passes
  (3: after one pass, a node started just before gave p95 27.8 ms where the same node,
  warm, then gave 18.9: the JVM still compiling, a cold engine against warm databases), and
  the report gives the median repetition with the min–max over repetitions;
- our layers' cost: the very statements our layer sent (captured) replayed on the raw
  DB-API connection, and the very `_search` body replayed over a raw keep-alive HTTP
  connection; the ratio ours/raw at p95 (goal ≤ 1.2);
- the ratios the issue sets: built-in p95 / engine p95 per mode (goal ≤ 3);
- the single-query latency of the five most common query words on each backend;
- tokenizer throughput, jieba against rjieba, on the documents' own text.

    python benchmarks/search.py [--scale province|county] [--keep DIR] [--repeat 5]
                                [--warmup 3]
                                [--postgres-url URL] [--search-url URL]
                                [--skip-postgres] [--skip-engine]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import event, func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import load_demo_once, pct  # noqa: E402
from registry import create_app, search  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import Resource  # noqa: E402
from registry.search import maintenance  # noqa: E402
from registry.search.engine import search_body  # noqa: E402
from registry.search.query import load_synonyms, parse  # noqa: E402
from registry.services.search import _query, search_resources  # noqa: E402

QUERIES = [
    "人口",
    "身份证号",
    "企业登记",
    "不动产登记",
    "社保缴费",
    "医保",
    "营业执照",
    "婚姻登记",
    "出生医学证明",
    "低保",
    "残疾人",
    "学生学籍",
    "车辆",
    "驾驶证",
    "税务登记",
    "公积金",
    "养老保险",
    "户籍",
    "死亡登记",
    "殡葬",
    "房屋",
    "土地",
    "林权",
    "水利",
    "环境监测",
    "食品经营许可",
    "药品",
    "疫苗接种",
    "卫生监督",
    "法人",
    "统一社会信用代码",
    "信用",
    "失信",
    "行政处罚",
    "行政许可",
    "投资项目",
    "农业补贴",
    "渔业",
    "交通",
    "公交",
    "气象",
    "应急",
    "消防",
    "安全生产",
    "统计",
    "教育",
    "就业",
    "退役军人",
    "联系电话",
    "地址",
]
MODES = {
    "plain": {"facets": []},
    "filters": {
        "facets": [],
        "filters": {"share_type": ["无条件共享", "有条件共享"], "category": ["1", "3"]},
    },
    "facets": {"facets": None},
}
USER = Actor(None, "benchmark", "ndrc_officer")


def summary(values: list[float]) -> dict:
    return {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95)}


def spread(runs: list[dict]) -> dict:
    """The median repetition's p50/p95, with min–max over the repetitions."""
    out = {}
    for key in ("p50_ms", "p95_ms"):
        values = sorted(r[key] for r in runs)
        out[key] = statistics.median(values)
        out[f"{key}_range"] = [values[0], values[-1]]
    return out


def repeated(calls: dict[str, object], repeat: int, warmup: int) -> dict[str, list[list[float]]]:
    """Per repetition, each named call timed once; ``warmup`` untimed passes first. Every
    other repetition runs the calls in reverse order, so that neither side of a query
    always runs second, just after the other brought the same data into the caches. (The
    engine, plain, warm: ours minus raw over the 50 queries, four runs each way, was
    45.0-47.1 ms with ours first, 38.7-45.7 ms with raw first.)"""
    for _ in range(warmup):
        for call in calls.values():
            call()
    runs: dict[str, list[list[float]]] = {name: [] for name in calls}
    for r in range(repeat):
        for name, call in list(calls.items())[:: -1 if r % 2 else 1]:
            t = time.perf_counter()
            call()
            runs[name].append(time.perf_counter() - t)
    return runs


def load(app, scale: str, report: dict) -> None:
    with app.app_context(), write_intent():
        s = db.session
        load_demo_once(s, scale, report)
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("ANALYZE"))
        report["resources"] = s.scalar(select(func.count()).select_from(Resource))
        s.commit()


def build(app, label: str, report: dict) -> None:
    with app.app_context(), write_intent():
        t = time.perf_counter()
        count = maintenance.rebuild(db.session, search.backend(app))
        db.session.commit()
        elapsed = time.perf_counter() - t
    analyze(app)
    report[f"{label}_build"] = {
        "documents": count,
        "seconds": round(elapsed, 1),
        "documents_per_s": round(count / elapsed),
    }
    print(f"{label}: built {count} documents in {elapsed:.1f} s", file=sys.stderr)


def analyze(app) -> None:
    """Planner statistics after a bulk load, as autovacuum would gather them (VACUUM
    also sets the visibility map the index-only scans use), outside a transaction."""
    engine = Database.state(app).engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("VACUUM ANALYZE search_documents")


def layered(app, q: str, mode: dict) -> dict:
    return search_resources(
        db.session,
        search.backend(app),
        USER,
        q=q,
        filters=mode.get("filters"),
        facets=mode["facets"],
        limit=20,
        recheck_after=app.config["SEARCH_SYNONYMS_RECHECK"],
    )


def measure(app, label: str, report: dict, repeat: int, raw_for, warmup: int) -> None:
    """Ours and the raw baseline per mode; ``raw_for(q, mode)`` returns the raw call."""
    with app.app_context():
        for name, mode in MODES.items():
            calls = {}
            for q in QUERIES:
                calls[("ours", q)] = lambda q=q, mode=mode: layered(app, q, mode)
                calls[("raw", q)] = raw_for(q, mode)
            runs = repeated(calls, repeat, warmup)
            entry = {}
            for side in ("ours", "raw"):
                per_rep = [summary([runs[(side, q)][r] for q in QUERIES]) for r in range(repeat)]
                entry[side] = spread(per_rep)
            entry["layers_p95_ratio"] = round(entry["ours"]["p95_ms"] / entry["raw"]["p95_ms"], 2)
            # Beside it, from each query's median over the repetitions: a repetition's p95
            # is its third-slowest call of 50, which one slow call moves (the engine's JIT
            # or GC, the scheduler on 2 cores), a query's median is not. And, paired per
            # query, what our layers add to it: its median ours minus its median raw.
            medians = {
                side: [statistics.median(runs[(side, q)]) for q in QUERIES]
                for side in ("ours", "raw")
            }
            entry["layers_p95_ratio_of_query_medians"] = round(
                pct(medians["ours"], 95) / pct(medians["raw"], 95), 2
            )
            added = [o - r for o, r in zip(medians["ours"], medians["raw"], strict=True)]
            entry["layers_added_ms"] = {"p50": pct(added, 50), "p95": pct(added, 95)}
            if name == "plain":
                entry["common_words_ms"] = {
                    q: round(statistics.median(runs[("ours", q)]) * 1000, 1)
                    for q in report["common_words"]
                }
            report[f"{label}_{name}"] = entry
            print(f"{label} {name}: {entry}", file=sys.stderr)


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def sql_raw(app):
    engine = Database.state(app).engine

    def raw_for(q: str, mode: dict):
        captured: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
                captured.append((statement, parameters))

        # Captured from a second call: the first also counts what the backend then keeps
        # (a word's synonyms, the statistics), which the timed calls do not pay.
        layered(app, q, mode)
        event.listen(engine, "before_cursor_execute", capture)
        layered(app, q, mode)
        event.remove(engine, "before_cursor_execute", capture)
        dbapi = db.session.connection().connection.dbapi_connection

        def replay():
            cursor = dbapi.cursor()
            for statement, parameters in captured:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            cursor.close()

        return replay

    return raw_for


def engine_raw(app, url: str):
    parts = urlsplit(url.split("+", 1)[-1])
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    alias = app.config["SEARCH_INDEX"]
    backend = search.backend(app)

    def raw_search(body: bytes) -> None:
        conn.request(
            "POST", f"/{alias}/_search", body=body, headers={"content-type": "application/json"}
        )
        json.loads(conn.getresponse().read())

    def raw_for(q: str, mode: dict):
        query = _query(
            parse(q, load_synonyms(db.session)),
            mode.get("filters") or {},
            USER,
            None,
            20,
            None,
            mode["facets"],
        )
        query = replace(query, total_bound=backend.total_bound)
        body = json.dumps(search_body(query), ensure_ascii=False).encode()
        return lambda: raw_search(body)

    return raw_for


def common_words(app, report: dict) -> None:
    """The five query words with the most hits (exact counts)."""
    with app.app_context():
        totals = {
            q: search_resources(
                db.session, search.backend(app), USER, q=q, facets=[], limit=1, exact_total=True
            )["total"]
            for q in QUERIES
        }
    top = sorted(QUERIES, key=lambda q: -totals[q])[:5]
    report["common_words"] = {q: totals[q] for q in top}


def ratios(report: dict) -> None:
    for label in ("sqlite", "postgresql"):
        for mode in MODES:
            ours, engine = report.get(f"{label}_{mode}"), report.get(f"engine_{mode}")
            if ours and engine:
                report.setdefault("builtin_over_engine_p95", {})[f"{label}_{mode}"] = round(
                    ours["ours"]["p95_ms"] / engine["ours"]["p95_ms"], 2
                )


def tokenizers(app, report: dict) -> None:
    import logging

    import jieba
    import rjieba

    jieba.setLogLevel(logging.WARNING)
    with app.app_context():
        texts = [
            " ".join([d["name"], d["summary"], *d["items"]])
            for batch in _first_batches(db.session, 10)
            for d in batch
        ]
    chars = sum(map(len, texts))
    for name, cut in (
        ("jieba", lambda s: jieba.lcut(s, cut_all=True)),
        ("rjieba", lambda s: rjieba.cut_all(s)),
    ):
        cut(texts[0])
        t = time.perf_counter()
        for s in texts:
            cut(s)
        elapsed = time.perf_counter() - t
        report[f"tokenizer_{name}"] = {
            "documents": len(texts),
            "mchars_per_s": round(chars / elapsed / 1e6, 2),
            "documents_per_s": round(len(texts) / elapsed),
        }
    print(
        f"tokenizers: {report['tokenizer_jieba']} vs {report['tokenizer_rjieba']}", file=sys.stderr
    )


def _first_batches(session, n: int):
    from registry.search.documents import iter_all_documents

    for i, batch in enumerate(iter_all_documents(session)):
        if i >= n:
            return
        yield batch


def script(name: str, *args: str) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts" / name), *args], check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["province", "county"], default="province")
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the SQLite database in DIR")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3, help="untimed passes first")
    parser.add_argument("--postgres-url", help="a PostgreSQL database to use (else a cluster)")
    parser.add_argument("--search-url")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "scale": args.scale,
        "queries": len(QUERIES),
        "repeat": args.repeat,
        "warmup": args.warmup,
    }
    stops: list[list[str]] = []
    try:
        sqlite_url = f"sqlite:///{instance / 'registry.db'}"
        upgrade(sqlite_url)
        sqlite = create_app({"DATABASE_URL": sqlite_url, "INSTANCE_PATH": str(instance)})
        load(sqlite, args.scale, report)
        build(sqlite, "sqlite", report)
        common_words(sqlite, report)
        measure(sqlite, "sqlite", report, args.repeat, sql_raw(sqlite), args.warmup)
        tokenizers(sqlite, report)
        if not args.skip_postgres:
            url = args.postgres_url
            if not url:
                cluster = Path(tempfile.mkdtemp(prefix="registry-bench-pg-", dir="/tmp"))
                cluster.chmod(0o755)  # the server runs as 'postgres' and must reach its folder
                url = script("pg-test-cluster", "start", str(cluster / "pg"))
                stops.append(["pg-test-cluster", "stop", str(cluster / "pg")])
            upgrade(url)
            pg = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
            pg_report: dict = {}
            load(pg, args.scale, pg_report)
            report["postgresql_demo_load_s"] = pg_report.get("demo_load_s")
            build(pg, "postgresql", report)
            measure(pg, "postgresql", report, args.repeat, sql_raw(pg), args.warmup)
        if not args.skip_engine:
            search_url = args.search_url
            if not search_url:
                node = Path(tempfile.mkdtemp(prefix="registry-bench-node-"))
                search_url = script("search-node", "start", str(node), "opensearch", "4g")
                stops.append(["search-node", "stop", str(node)])
            engine_app = create_app(
                {
                    "DATABASE_URL": sqlite_url,
                    "INSTANCE_PATH": str(instance),
                    "SEARCH_URL": search_url,
                    "SEARCH_INDEX": "registry-bench",
                }
            )
            build(engine_app, "engine", report)
            with engine_app.app_context():
                raw = engine_raw(engine_app, search_url)
                measure(engine_app, "engine", report, args.repeat, raw, args.warmup)
        ratios(report)
    finally:
        for stop in stops:
            subprocess.run([str(ROOT / "scripts" / stop[0]), *stop[1:]], check=False)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
