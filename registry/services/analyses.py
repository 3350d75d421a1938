"""Run the graph analyses over a scope: match items, build the graph per scope, analyse,
reconcile findings. A province runs county by county (one networkx graph per region)."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..authz import NDRC, REVIEWER, Actor, require_role
from ..db import db, utcnow, write_intent
from ..errors import Invalid, NotFound
from ..graph import duplicates, flows, overlap
from ..graph.build import Scope, build_graph, load_item_catalog, regions, resolve_scope
from ..graph.findings import reconcile
from ..graph.items import Thresholds
from ..models import AnalysisRun, Department
from .departments import departments_without_function
from .matching import match_items

log = logging.getLogger(__name__)

ANALYSES = (
    "duplicate_collection",
    "scope_overlap",
    "unshared_resource",
    "bypasses_platform",
    "not_in_system_catalog",
    "flow_cycle",
)
# unconsumed_resource is no longer analysed: 85 % of a province's resources had no consumer
# yet, and that is no one's fault to rectify (nobody has asked). How many consumers a
# resource has is a figure of its sharing score (/sharing/scores?scope=resource).


@dataclass(frozen=True)
class AnalysisSettings:
    """What the analyses take from configuration (config/defaults.py explains each)."""

    match_threshold: float
    overlap_jaccard: float
    overlap_containment: float
    overlap_min_shared_elements: int
    duplicate_unsourced_families: tuple[str, ...]
    overlap_items: Thresholds = Thresholds()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AnalysisSettings:
        return cls(
            match_threshold=config["MATCH_THRESHOLD"],
            overlap_jaccard=config["OVERLAP_JACCARD"],
            overlap_containment=config["OVERLAP_CONTAINMENT"],
            overlap_min_shared_elements=config["OVERLAP_MIN_SHARED_ELEMENTS"],
            duplicate_unsourced_families=tuple(config["DUPLICATE_UNSOURCED_FAMILIES"]),
            overlap_items=Thresholds(**config["OVERLAP_ITEMS"]),
        )


def _run_one(name: str, g, settings: AnalysisSettings):
    if name == "duplicate_collection":
        return duplicates.duplicate_collection(
            g, unsourced_families=settings.duplicate_unsourced_families
        )
    if name == "scope_overlap":
        return overlap.scope_overlap(
            g,
            jaccard=settings.overlap_jaccard,
            containment=settings.overlap_containment,
            min_shared_elements=settings.overlap_min_shared_elements,
            items=g.graph.get("item_catalog"),
            item_thresholds=settings.overlap_items,
        )
    return {
        "unshared_resource": flows.unshared_resources,
        "bypasses_platform": flows.bypasses_platform,
        "not_in_system_catalog": flows.not_in_system_catalog,
        "flow_cycle": flows.flow_cycles,
    }[name](g)


def run_analyses(
    session: Session,
    actor: Actor,
    *,
    scope_kind: str,
    scope_value: str | None,
    analyses: list[str] | None,
    settings: AnalysisSettings,
    match: bool = True,
    progress: Callable[[str], None] | None = None,
) -> AnalysisRun:
    require_role(actor, REVIEWER, NDRC)
    analyses = list(analyses or ANALYSES)
    unknown = sorted(set(analyses) - set(ANALYSES))
    if unknown:
        raise Invalid(
            errors={"analyses": [f"未知的分析：{'、'.join(unknown)}；可选：{'、'.join(ANALYSES)}"]}
        )
    scope = resolve_scope(session, scope_kind, scope_value)
    run = AnalysisRun(
        scope_kind=scope.kind, scope_value=scope.value, analyses=analyses, actor_name=actor.name
    )
    session.add(run)
    session.flush()
    summary: dict[str, Any] = {}
    if match:
        summary["matching"] = match_items(
            session,
            actor,
            threshold=settings.match_threshold,
            department_ids=list(scope.department_ids) if scope.department_ids else None,
            progress=progress,
        )
    found = []
    counts = dict.fromkeys(analyses, 0)
    for n, part in enumerate(_partitions(session, scope), 1):
        g = build_graph(session, part)
        if "scope_overlap" in analyses:
            g.graph["item_catalog"] = load_item_catalog(session, part, settings.overlap_items)
        for name in analyses:
            result = _run_one(name, g, settings)
            counts[name] += len(result)
            found.extend(result)
        if progress:
            progress(f"已分析 {part.label}（{n}）")
    summary["found"] = counts
    unconfirmed = departments_without_function(
        session, list(scope.department_ids) if scope.department_ids is not None else None
    )
    if unconfirmed:
        # Without a function no department can be an element's authoritative source, so
        # its collection looks like everyone else's: say so beside what was found.
        summary["warnings"] = {
            "departments_without_function": len(unconfirmed),
            "examples": [d.name for d in unconfirmed[:20]],
        }
    summary["findings"] = reconcile(
        session, actor, run, found, kinds=tuple(analyses), department_ids=scope.department_ids
    )
    if summary["findings"].get("created"):
        # Many new rows: fresh statistics, or the planner (SQLite has no autovacuum) keeps
        # the old ones and sorts the findings list instead of walking its index.
        session.execute(text("ANALYZE findings"))
    run.summary, run.finished_at = summary, utcnow()
    session.flush()
    return run


def _partitions(session: Session, scope: Scope):
    """The whole registry is analysed one region at a time; other scopes as they are."""
    if scope.kind != "all":
        yield scope
        return
    names = regions(session)
    if not names:
        yield scope
        return
    for name in names:
        yield resolve_scope(session, "region", name)
    rest = Scope(
        "all-unassigned",
        None,
        tuple(session.scalars(select(Department.id).where(Department.region.is_(None)))),
    )
    if rest.department_ids:
        yield rest


# -- a run started from a page, in the background -----------------------------------------


class RunProgress:
    """What a background run has done so far, in a small JSON file under the instance
    directory: any worker process of the host can show it (a worker's memory could not),
    and it is never written inside the run's database transaction (on SQLite that
    transaction holds the write lock until the end)."""

    def __init__(self, directory: Path, token: str) -> None:
        if not token.isalnum():
            raise NotFound("没有这个分析任务")
        self.path = Path(directory) / "analysis-runs" / f"{token}.json"

    def read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound("没有这个分析任务（或其进度记录已清理）") from None

    def write(self, **state: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.path)  # readers never see half a file

    def step(self, message: str) -> None:
        state = self.read()
        state["messages"] = [*state.get("messages", []), message]
        self.write(**state)


def start_analysis(
    app: Any,
    session: Session,
    actor: Actor,
    *,
    scope_kind: str,
    scope_value: str | None,
    settings: AnalysisSettings,
) -> str:
    """运行分析 in a background thread; returns the token its progress is read by. Who may
    and the scope are checked here, before anything starts, so a refusal is immediate."""
    require_role(actor, REVIEWER, NDRC)
    scope = resolve_scope(session, scope_kind, scope_value)
    token = secrets.token_hex(8)
    progress = RunProgress(app.instance_path, token)
    progress.write(
        state="running",
        scope=scope.label,
        actor=actor.name,
        started_at=utcnow().isoformat(),
        messages=[],
    )
    thread = threading.Thread(
        target=_run_in_background,
        args=(app, actor, scope, settings, progress),
        name=f"analysis-{token}",
        daemon=True,
    )
    thread.start()
    return token


def _run_in_background(
    app: Any, actor: Actor, scope: Scope, settings: AnalysisSettings, progress: RunProgress
) -> None:
    with app.app_context():
        state = progress.read()
        try:
            with write_intent():
                run = run_analyses(
                    db.session,
                    actor,
                    scope_kind=scope.kind,
                    scope_value=scope.value,
                    analyses=None,
                    settings=settings,
                    progress=progress.step,
                )
                db.session.commit()
            state = progress.read()
            progress.write(**state | {"state": "done", "run_id": run.id})
        except Exception as exc:  # the page says it failed; the log keeps the trace
            db.session.rollback()
            log.exception("analysis run failed (%s)", scope.label)
            message = getattr(exc, "message", None) or str(exc)
            progress.write(**state | {"state": "failed", "error": message})
