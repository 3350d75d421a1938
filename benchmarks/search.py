"""Benchmark of search at province scale (issue #3).

Measures, each beside its baseline in the same run:
- full index build (documents/s) of the built-in backend (SQLite FTS5, or PostgreSQL
  with --database-url) and of the engine backend (a real OpenSearch node started by
  scripts/search-node, or --search-url);
- query latency p50/p95 of GET /api/v1/search's service call over 50 realistic Chinese
  queries, plain, with filters, and with all facets, as a signed-in (non-reviewer) user;
  baselines: the very statements our layer sent (captured) replayed on the raw DB-API
  connection, and the very `_search` body replayed over a raw keep-alive HTTP connection:
  the difference is the cost of our layers (tokenizing, synonyms, SQLAlchemy, highlights);
- tokenizer throughput, jieba against rjieba, on the documents' own text.

    python benchmarks/search.py [--scale province|county] [--keep DIR] [--database-url URL]
                                [--search-url URL] [--skip-engine]
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
    return {
        "p50_ms": pct(values, 50),
        "p95_ms": pct(values, 95),
        "mean_ms": round(statistics.mean(values) * 1000, 2),
    }


def timed(fn, repeat: int = 3) -> list[float]:
    """Per query: the best of ``repeat`` runs after one warm-up (the steady state)."""
    fn()
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return [min(best)]


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
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    report[f"{label}_build"] = {
        "documents": count,
        "seconds": round(elapsed, 1),
        "documents_per_s": round(count / elapsed),
    }
    print(f"{label}: built {count} documents in {elapsed:.1f} s", file=sys.stderr)


def layered(app, q: str, mode: dict) -> None:
    search_resources(
        db.session,
        search.backend(app),
        USER,
        q=q,
        filters=mode.get("filters"),
        facets=mode["facets"],
        limit=20,
        synonyms_recheck=app.config["SEARCH_SYNONYMS_RECHECK"],
    )


def sql_latencies(app, label: str, report: dict) -> None:
    engine = Database.state(app).engine
    with app.app_context():
        for name, mode in MODES.items():
            ours, raw = [], []
            for q in QUERIES:
                captured: list[tuple[str, object]] = []

                def capture(
                    _conn, _cursor, statement, parameters, _context, _many, captured=captured
                ):
                    if "search_documents" in statement:
                        captured.append((statement, parameters))

                event.listen(engine, "before_cursor_execute", capture)
                layered(app, q, mode)
                event.remove(engine, "before_cursor_execute", capture)
                ours += timed(lambda q=q, mode=mode: layered(app, q, mode))
                dbapi = db.session.connection().connection.dbapi_connection

                def replay(captured=captured, dbapi=dbapi):
                    cursor = dbapi.cursor()
                    for statement, parameters in captured:
                        cursor.execute(statement, parameters)
                        cursor.fetchall()
                    cursor.close()

                raw += timed(replay)
            report[f"{label}_{name}"] = {
                "ours": summary(ours),
                "raw_sql": summary(raw),
                "overhead_p95": round(pct(ours, 95) / pct(raw, 95) - 1, 3),
            }
            print(f"{label} {name}: {report[f'{label}_{name}']}", file=sys.stderr)


def engine_latencies(app, url: str, label: str, report: dict) -> None:
    parts = urlsplit(url.split("+", 1)[-1])
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    alias = app.config["SEARCH_INDEX"]

    def raw_search(body: bytes) -> None:
        conn.request(
            "POST", f"/{alias}/_search", body=body, headers={"content-type": "application/json"}
        )
        response = conn.getresponse()
        json.loads(response.read())

    with app.app_context():
        synonyms = load_synonyms(db.session)
        for name, mode in MODES.items():
            ours, raw = [], []
            for q in QUERIES:
                query = _query(
                    parse(q, synonyms),
                    mode.get("filters") or {},
                    USER,
                    None,
                    20,
                    None,
                    mode["facets"],
                )
                body = json.dumps(search_body(query), ensure_ascii=False).encode()
                ours += timed(lambda q=q, mode=mode: layered(app, q, mode))
                raw += timed(lambda body=body: raw_search(body))
            report[f"{label}_{name}"] = {
                "ours": summary(ours),
                "raw_search": summary(raw),
                "overhead_p95": round(pct(ours, 95) / pct(raw, 95) - 1, 3),
            }
            print(f"{label} {name}: {report[f'{label}_{name}']}", file=sys.stderr)
    conn.close()


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["province", "county"], default="province")
    parser.add_argument("--database-url")
    parser.add_argument("--search-url")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    report: dict = {"scale": args.scale, "database": url.split(":")[0], "queries": len(QUERIES)}
    builtin = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    load(builtin, args.scale, report)
    build(builtin, "builtin", report)
    sql_latencies(builtin, "builtin", report)
    tokenizers(builtin, report)
    if not args.skip_engine:
        node_dir = None
        search_url = args.search_url
        if not search_url:
            node_dir = Path(tempfile.mkdtemp(prefix="registry-bench-node-"))
            search_url = (
                subprocess.run(
                    [
                        str(ROOT / "scripts" / "search-node"),
                        "start",
                        str(node_dir),
                        "opensearch",
                        "4g",
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
        try:
            engine_app = create_app(
                {
                    "DATABASE_URL": url,
                    "INSTANCE_PATH": str(instance),
                    "SEARCH_URL": search_url,
                    "SEARCH_INDEX": "registry-bench",
                }
            )
            build(engine_app, "engine", report)
            engine_latencies(engine_app, search_url, "engine", report)
        finally:
            if node_dir:
                subprocess.run(
                    [str(ROOT / "scripts" / "search-node"), "stop", str(node_dir)], check=False
                )
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
