"""Benchmark of the graph analyses at province scale (issue: the data-flow graph).

Times and peak memory of: matching every data item to the element dictionary; building
the graph and running each analysis, region by region; the whole run as `registry
analyse` does it (match + analyses + findings). Baseline in the same run: one SQL
GROUP BY counting the original collectors per element.

The item-level overlap (issue #15) beside an all-pairs exact Jaccard baseline, on
``--sample`` systems (2,000): (a) drawn from the demo province, whose items all come
from a small common vocabulary, so the generic guard is what is measured (pairs the
baseline calls alike, and how many the analysis keeps); (b) built from the labelled
catalogs (tests/data/overlap_catalogs.yaml) with items dropped, renamed and added, so
line-of-business vocabulary is measured too. For (b) the index is also checked against
judging every pair with the analysis's own rule, on a subsample.

    python benchmarks/analysis.py [--scale province|county] [--keep DIR] [--database-url URL]
                                  [--sample 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import load_demo_once  # noqa: E402
from registry import create_app  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.graph.build import (  # noqa: E402
    build_graph,
    load_item_catalog,
    regions,
    resolve_scope,
)
from registry.graph.items import (  # noqa: E402
    Catalog,
    ItemKeys,
    Thresholds,
    overlapping_systems,
    overlapping_systems_all_pairs,
)
from registry.migrate import upgrade  # noqa: E402
from registry.models import (  # noqa: E402
    DataElement,
    DataItem,
    Finding,
    resource_systems,
)
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
    parser.add_argument("--sample", type=int, default=2000)
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
        load_demo_once(s, args.scale, report)
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
            t = time.perf_counter()
            g.graph["item_catalog"] = load_item_catalog(s, scope, settings.overlap_items)
            times["item_catalog"] += time.perf_counter() - t
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
        report["overlap_demo_sample"] = demo_sample(s, args.sample, settings.overlap_items)
        report["overlap_labelled_sample"] = labelled_sample(args.sample, settings.overlap_items)
        report["peak_rss_mb"] = peak_mb()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    Database.state(app).engine.dispose()
    if not args.keep:
        shutil.rmtree(instance, ignore_errors=True)


def exact_jaccard_all_pairs(sets: dict[str, frozenset[str]], threshold: float) -> set:
    """The baseline: every pair, plain Jaccard of the item keys, nothing weighted."""
    units = sorted(sets)
    found = set()
    for i, a in enumerate(units):
        x = sets[a]
        for b in units[i + 1 :]:
            y = sets[b]
            shared = len(x & y)
            if shared and shared / (len(x) + len(y) - shared) >= threshold:
                found.add((a, b))
    return found


def _compare(catalog: Catalog, raw: dict[str, frozenset[str]], t: Thresholds) -> dict:
    start = time.perf_counter()
    ours, weights = overlapping_systems(catalog, t)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    baseline = exact_jaccard_all_pairs(raw, 0.3)
    baseline_s = time.perf_counter() - start
    flagged = {(o.a, o.b) for o in ours}
    return {
        "systems": len(raw),
        "pairs": len(raw) * (len(raw) - 1) // 2,
        "keys_kept": sum(1 for k in weights.weight if "#" in k or k.startswith("element:")),
        "keys_and_bigrams_over_bound": weights.dropped,
        "bound": weights.bound,
        "analysis_s": round(ours_s, 3),
        "analysis_pairs": len(flagged),
        "baseline_exact_jaccard_s": round(baseline_s, 3),
        "baseline_pairs": len(baseline),
        "both": len(flagged & baseline),
        "ratio_analysis_to_baseline": round(ours_s / baseline_s, 3) if baseline_s else None,
    }


def demo_sample(s, size: int, t: Thresholds) -> dict:
    """``size`` systems of the demo province, every collected item read."""
    rng = random.Random(15)
    systems = sorted(s.scalars(select(resource_systems.c.system_id).distinct()))
    chosen = sorted(rng.sample(systems, min(size, len(systems))))
    identifiers = dict(s.execute(select(DataElement.id, DataElement.identifier)).all())
    generic = s.scalars(select(DataElement.identifier).where(DataElement.family == "通用"))
    keys = ItemKeys(generic)
    rows = []
    for chunk in (chosen[i : i + 500] for i in range(0, len(chosen), 500)):
        for rid, sid, name, element_id, status in s.execute(
            select(
                DataItem.resource_id,
                resource_systems.c.system_id,
                DataItem.name,
                DataItem.element_id,
                DataItem.match_status,
            )
            .join(resource_systems, resource_systems.c.resource_id == DataItem.resource_id)
            .where(resource_systems.c.system_id.in_(chunk), DataItem.collection_mode == "collected")
        ):
            accepted = status in ("auto", "confirmed")
            rows.append(
                (f"r{rid}", f"s{sid}", name, identifiers.get(element_id) if accepted else None)
            )
    keys.learn(name for _, _, name, _ in rows)
    catalog = Catalog.from_items(rows, keys)
    raw_keys = ItemKeys(())  # the baseline counts every element, generic ones too
    raw: dict[str, set[str]] = defaultdict(set)
    for _, system, name, element in rows:
        raw[system].add(raw_keys(name, element))
    report = _compare(catalog, {k: frozenset(v) for k, v in raw.items()}, t)
    report["items_read"] = len(rows)
    return report


def labelled_sample(size: int, t: Thresholds) -> dict:
    """``size`` systems made from the labelled catalogs: each a labelled system with a
    fifth of its items dropped, some renamed (another ending, a role prefix) and two
    items of its own, so the vocabulary is line-of-business as in real catalogs."""
    import yaml

    from catalog_schemas.elements import ELEMENTS
    from catalog_schemas.matching import Matcher

    path = Path(__file__).resolve().parents[1] / "tests" / "data" / "overlap_catalogs.yaml"
    projects = yaml.safe_load(path.read_text("utf-8"))["projects"]
    bases = [s for p in projects.values() for s in p["systems"]]
    rng = random.Random(9)
    swaps = {"编号": "号", "号": "编号", "时间": "日期", "日期": "时间", "名称": "名"}
    rows = []
    for n in range(size):
        base = rng.choice(bases)
        for j, r in enumerate(base["resources"]):
            for name in (x.strip() for x in (r.get("items") or "").split("、") if x.strip()):
                if rng.random() < 0.2:
                    continue
                for old, new in swaps.items():
                    if name.endswith(old) and rng.random() < 0.3:
                        name = name[: -len(old)] + new
                        break
                rows.append((f"s{n}/r{j}", f"s{n}", name, None))
        for _own in range(2):
            own = "".join(chr(0x5000 + rng.randrange(8000)) for _ in range(3))
            rows.append((f"s{n}/r0", f"s{n}", own, None))
    keys = ItemKeys.for_matcher(Matcher(ELEMENTS))
    keys.learn(name for _, _, name, _ in rows)
    catalog = Catalog.from_items(rows, keys)
    raw_keys = ItemKeys(())
    raw: dict[str, set[str]] = defaultdict(set)
    for _, system, name, _ in rows:
        raw[system].add(raw_keys(name) or name)
    report = _compare(catalog, {k: frozenset(v) for k, v in raw.items()}, t)
    # The index against judging every pair with the same rule, on a subsample.
    sub = {r: v for r, v in catalog.resources.items() if int(v[0][1:]) < 300}
    small = Catalog(sub, catalog.names)
    start = time.perf_counter()
    indexed, _ = overlapping_systems(small, t)
    indexed_s = time.perf_counter() - start
    start = time.perf_counter()
    every = overlapping_systems_all_pairs(small, t)
    every_s = time.perf_counter() - start
    report["index_vs_all_pairs_300"] = {
        "index_s": round(indexed_s, 3),
        "all_pairs_s": round(every_s, 3),
        "same_pairs": [(o.a, o.b) for o in indexed] == [(o.a, o.b) for o in every],
        "pairs": len(every),
    }
    return report


if __name__ == "__main__":
    main()
