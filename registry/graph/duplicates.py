"""Duplicate collection (重复采集, Art. 17; 一数一源): a data element collected originally by
more than one system, or by any system other than its authoritative source."""

from __future__ import annotations

import networkx as nx

from .model import FindingData, describe, in_edges, node_id, nodes_of


def duplicate_collection(
    g: nx.MultiDiGraph, *, unsourced_families: tuple[str, ...]
) -> list[FindingData]:
    findings = []
    for element in nodes_of(g, "element"):
        attrs = g.nodes[element]
        collectors = in_edges(g, element, "collects")
        source, function = attrs.get("source_system_id"), attrs.get("source_function")
        if source is not None or function:
            # 一数一源: the named source system, or in each county the unit with that function.
            offenders = [
                e
                for e in collectors
                if node_id(e[0]) != source
                and not (function and g.nodes[e[0]].get("function") == function)
            ]
        elif attrs.get("family") in unsourced_families and len(collectors) > 1:
            offenders = collectors  # no single source named yet: every collector is in question
        else:
            continue
        offending = {u for u, _, _ in offenders}
        authoritative = [edge for u, _, edge in collectors if u not in offending]
        for system, _, edge in offenders:
            findings.append(_finding(g, element, system, edge, collectors, authoritative))
    return findings


def _obtain_from(g: nx.MultiDiGraph, element: dict, authoritative: list[dict]) -> dict | None:
    """The authoritative resource to obtain the element from instead."""
    for edge in authoritative:
        for item in edge["items"]:
            node = f"resource:{item['resource_id']}"
            if node in g:
                return describe(g, node)
    source = element.get("source_resource_id")
    return {"id": source, "kind": "resource"} if source is not None else None


def _finding(
    g: nx.MultiDiGraph,
    element: str,
    system: str,
    edge: dict,
    collectors: list,
    authoritative: list[dict],
) -> FindingData:
    e, s = g.nodes[element], g.nodes[system]
    instead = _obtain_from(g, e, authoritative)
    return FindingData(
        kind="duplicate_collection",
        fingerprint=f"duplicate_collection:{e['identifier']}:{node_id(system)}",
        subject_type="system",
        subject_id=node_id(system),
        department_id=s.get("department_id"),
        title=f"{s.get('name')} 重复采集数据元“{e['name']}”",
        evidence={
            "element": {"id": node_id(element), "identifier": e["identifier"], "name": e["name"]},
            "system": describe(g, system),
            "items": edge["items"],
            "item_count": edge["count"],
            "authoritative_system_id": e.get("source_system_id"),
            "obtain_from_resource": instead,
            "other_collectors": sorted(
                describe(g, u)["code"] for u, _, _ in collectors if u != system
            ),
        },
    )
