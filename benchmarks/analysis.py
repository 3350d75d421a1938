"""Benchmark of the graph analyses at province scale (issue: the data-flow graph).

Times and peak memory of: matching every data item to the element dictionary; building
the graph and running each analysis, region by region; the whole run as `registry
analyse` does it (match + analyses + findings). Baseline in the same run: one SQL
GROUP BY counting the original collectors per element.

    python benchmarks/analysis.py [--scale province|county] [--keep DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import create_app  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.demo import load_demo  # noqa: E402
from registry.graph.build import build_graph, regions, resolve_scope  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import DataItem, Department, Finding, resource_systems  # noqa: E402
from registry.services.analyses import ANALYSES, AnalysisSettings, _run_one, run_analyses  # noqa: E402
from registry.services.matching import match_items  # noqa: E402


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["province", "county"], default="province")
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = args.database_url or f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    settings = AnalysisSettings.from_config(app.config)
    report: dict = {"database": url.split(":")[0]}
    actor = Actor.system("benchmark")
    with app.app_context(), write_intent():
        s = db.session
        if not s.scalar(select(func.count()).select_from(Department)):
            t = time.perf_counter()
            load_demo(s, scale=args.scale)
            s.commit()
            report["demo_load_s"] = round(time.perf_counter() - t, 1)
        report["items"] = s.scalar(select(func.count()).select_from(DataItem))
        s.execute(
            update(DataItem).values(element_id=None, match_status=None, match_confidence=None)
        )
        s.execute(Finding.__table__.delete())
        s.commit()
        report["peak_rss_mb_before"] = peak_mb()

        # The whole run, as `registry analyse` does it.
        t = time.perf_counter()
        run = run_analyses(
            s, actor, scope_kind="all", scope_value=None, analyses=list(ANALYSES), settings=settings
        )
        s.commit()
        report["whole_run_s"] = round(time.perf_counter() - t, 2)
        report["whole_run_peak_rss_mb"] = peak_mb()
        report["found"] = run.summary["found"]
        report["matching_counts"] = run.summary["matching"]

        # Breakdown: matching alone (again from scratch), then build and each analysis.
        s.execute(
            update(DataItem).values(element_id=None, match_status=None, match_confidence=None)
        )
        s.commit()
        t = time.perf_counter()
        match_items(s, actor, threshold=settings.match_threshold)
        s.commit()
        report["matching_s"] = round(time.perf_counter() - t, 2)
        times: dict[str, float] = defaultdict(float)
        for name in regions(s) or [None]:
            scope = resolve_scope(s, "region", name) if name else resolve_scope(s, "all")
            t = time.perf_counter()
            g = build_graph(s, scope)
            times["build_graph"] += time.perf_counter() - t
            for analysis in ANALYSES:
                t = time.perf_counter()
                _run_one(analysis, g, settings)
                times[analysis] += time.perf_counter() - t
        report["per_step_s"] = {k: round(v, 2) for k, v in times.items()}

        # Baseline: one GROUP BY counting original collectors per element.
        t = time.perf_counter()
        s.execute(
            select(DataItem.element_id, func.count(func.distinct(resource_systems.c.system_id)))
            .join(resource_systems, resource_systems.c.resource_id == DataItem.resource_id)
            .where(DataItem.collection_mode == "collected", DataItem.element_id.is_not(None))
            .group_by(DataItem.element_id)
        ).all()
        baseline = time.perf_counter() - t
        report["baseline_group_by_s"] = round(baseline, 3)
        dup = times["duplicate_collection"] + times["build_graph"]
        report["duplicate_collection_with_build_s"] = round(dup, 2)
        report["ratio_duplicate_collection_to_group_by"] = round(dup / baseline, 1)
        report["peak_rss_mb"] = peak_mb()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    Database.state(app).engine.dispose()
    if not args.keep:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
