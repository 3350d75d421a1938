"""Scope overlap between projects (Art. 9(6)): the same systems, resources or collected
data elements built twice. Containment and Jaccard, co-built projects first."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx

from .model import FindingData, node_id, nodes_of, out_edges


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
    g: nx.MultiDiGraph, *, jaccard: float, containment: float, min_shared_elements: int
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
    findings = []
    for a, b in sorted(
        pairs, key=lambda pq: (not _co_built(g, *pq), node_id(pq[0]), node_id(pq[1]))
    ):
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
        if flagged:
            findings.append(_finding(g, a, b, measures))
    return findings


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
