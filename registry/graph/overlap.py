"""Scope overlap between projects (Art. 9(6) 重复交叉建设): the same systems, resources or
collected data elements built twice, or systems whose own data items say they are the
same thing built again (graph/items.py). Containment and Jaccard; co-built and
same-department pairs first."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx

from .items import Catalog, SystemOverlap, Thresholds, name_similarity, overlapping_projects
from .model import FindingData, node_id, nodes_of, out_edges

ALIGNED_SHOWN = 30  # aligned item pairs kept as evidence


def project_footprint(
    g: nx.MultiDiGraph, project: str, generic_family: str = "通用"
) -> dict[str, set[str]]:
    systems = {v for _, v, _ in out_edges(g, project, "builds")}
    resources = {v for s in systems for _, v, _ in out_edges(g, s, "provides")}
    elements = {
        v
        for s in systems
        for _, v, _ in out_edges(g, s, "collects")
        if g.nodes[v].get("family") != generic_family
    }
    return {"systems": systems, "resources": resources, "elements": elements}


def scope_overlap(
    g: nx.MultiDiGraph,
    *,
    jaccard: float,
    containment: float,
    min_shared_elements: int,
    items: Catalog | None = None,
    item_thresholds: Thresholds | None = None,
) -> list[FindingData]:
    projects = sorted(nodes_of(g, "project"), key=node_id)
    prints = {p: project_footprint(g, p) for p in projects}
    # Candidate pairs share at least one node: an inverted index, not all pairs.
    holders = defaultdict(set)
    for p, fp in prints.items():
        for part in fp.values():
            for node in part:
                holders[node].add(p)
    pairs = {
        tuple(sorted(pair, key=node_id)) for ps in holders.values() for pair in combinations(ps, 2)
    }
    by_items: dict[tuple[str, str], SystemOverlap] = {}
    if items is not None and item_thresholds is not None:
        builds = {p: prints[p]["systems"] for p in projects}
        for pair, o in overlapping_projects(items, item_thresholds, builds).items():
            by_items[tuple(sorted(pair, key=node_id))] = o
        pairs |= set(by_items)
    findings = []
    for a, b in sorted(pairs, key=lambda pq: (not _close(g, *pq), node_id(pq[0]), node_id(pq[1]))):
        measures = {}
        flagged = False
        for dim in ("systems", "resources", "elements"):
            x, y = prints[a][dim], prints[b][dim]
            shared = x & y
            if not shared:
                continue
            j = len(shared) / len(x | y)
            c = len(shared) / min(len(x), len(y))
            measures[dim] = {
                "shared": sorted(g.nodes[n].get("code") or n for n in shared),
                "jaccard": round(j, 3),
                "containment": round(c, 3),
            }
            enough = len(shared) >= (min_shared_elements if dim == "elements" else 1)
            flagged |= enough and (j >= jaccard or c >= containment)
        if (a, b) in by_items:
            measures["items"] = _items_evidence(
                g, by_items[(a, b)], prints[a]["systems"], items, item_thresholds
            )
            flagged = True
        if flagged:
            findings.append(_finding(g, a, b, measures))
    return findings


def _close(g: nx.MultiDiGraph, a: str, b: str) -> bool:
    """Co-built, or led by the same department: the pairs to read first."""
    return _co_built(g, a, b) or g.nodes[a]["department_id"] == g.nodes[b]["department_id"]


def _items_evidence(
    g: nx.MultiDiGraph, o: SystemOverlap, systems_of_a: set[str], catalog: Catalog, t: Thresholds
) -> dict:
    """The shared items side by side, each dimension's similarity, and why it crossed."""
    flip = o.a not in systems_of_a  # orient the pair as the finding's projects are

    def pair(x, y):
        return (y, x) if flip else (x, y)

    sa, sb = pair(o.a, o.b)
    aligned = [
        {
            "a": catalog.names.get((sa, ka), ka),
            "b": catalog.names.get((sb, kb), kb),
            "similarity": s,
        }
        for ka, kb, s in ((*pair(x, y), s) for x, y, s in o.items.aligned[:ALIGNED_SHOWN])
    ]
    why = []
    if "items" in o.crossed:
        why.append(
            f"两个系统的信息项加权相似度 {o.items.jaccard} ≥ {t.system_jaccard}"
            f"（对齐 {len(o.items.aligned)} 项，包含度 {o.items.containment}）"
        )
    resources = None
    if o.resources is not None:
        ra, rb = pair(o.resources.a, o.resources.b)
        resources = {
            "a": _describe(g, ra),
            "b": _describe(g, rb),
            "jaccard": o.resources.jaccard,
            "aligned": len(o.resources.aligned),
        }
        if "resources" in o.crossed:
            why.append(
                f"最相近的一对信息资源相似度 {o.resources.jaccard} ≥ {t.resource_jaccard}"
                f"（对齐 {len(o.resources.aligned)} 项）"
            )
    if "text" in o.crossed:
        why.append(f"全部信息项的文字相似度 {o.text} ≥ {t.text_jaccard}")
    return {
        "systems": [_describe(g, sa), _describe(g, sb)],
        # Weaker evidence, shown but not deciding: on the development half of the labelled
        # pairs, letting alike names lower the item bounds found nothing more.
        "names": name_similarity(_names(g, sa), _names(g, sb)),
        "aligned": aligned,
        "jaccard": o.items.jaccard,
        "containment": o.items.containment,
        "best_resources": resources,
        "text": o.text,
        "crossed": list(o.crossed),
        "why": "；".join(why),
    }


def _names(g: nx.MultiDiGraph, system: str) -> str:
    """A system's name and the names of the resources it provides."""
    resources = (g.nodes[v].get("name") or "" for _, v, _ in out_edges(g, system, "provides"))
    return " ".join([g.nodes[system].get("name") or "", *resources])


def _describe(g: nx.MultiDiGraph, node: str) -> dict:
    a = g.nodes.get(node, {})
    return {"id": node_id(node), "code": a.get("code"), "name": a.get("name")}


def _co_built(g: nx.MultiDiGraph, a: str, b: str) -> bool:
    depts = [set(g.nodes[p]["co_department_ids"]) | {g.nodes[p]["department_id"]} for p in (a, b)]
    return bool(g.nodes[a]["co_department_ids"] or g.nodes[b]["co_department_ids"]) and bool(
        depts[0] & depts[1]
    )


def _finding(g: nx.MultiDiGraph, a: str, b: str, measures: dict) -> FindingData:
    pa, pb = g.nodes[a], g.nodes[b]
    return FindingData(
        kind="scope_overlap",
        fingerprint=f"scope_overlap:{node_id(a)}:{node_id(b)}",
        subject_type="project",
        subject_id=node_id(b),
        department_id=pb["department_id"],
        title=f"项目“{pb['name']}”与“{pa['name']}”建设内容重叠",
        evidence={
            "projects": [
                {"id": node_id(p), "code": g.nodes[p]["code"], "name": g.nodes[p]["name"]}
                for p in (a, b)
            ],
            "co_built": _co_built(g, a, b),
            "overlap": measures,
        },
    )
