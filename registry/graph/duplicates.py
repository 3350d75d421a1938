"""Duplicate collection (重复采集, Art. 17; 一数一源): a data element collected originally by
more than one system, or by any system other than its authoritative source."""

from __future__ import annotations

import networkx as nx

from .model import FindingData, describe, in_edges, node_id, nodes_of


def source_key(attrs: dict) -> str:
    """Whom an element should be obtained from, as a fingerprint part: its named source
    system, the unit with its function, or nobody named yet (``unsourced``)."""
    if attrs.get("source_system_id") is not None:
        return f"system-{attrs['source_system_id']}"
    if attrs.get("source_function"):
        return f"function-{attrs['source_function']}"
    return "unsourced"


def duplicate_collection(
    g: nx.MultiDiGraph, *, unsourced_families: tuple[str, ...]
) -> list[FindingData]:
    """One finding per collecting system and authoritative source: the rectification is
    one (obtain these elements from that resource), however many elements it covers."""
    groups: dict[tuple[str, str], list[tuple[str, dict, list, list]]] = {}
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
            groups.setdefault((system, source_key(attrs)), []).append(
                (element, edge, collectors, authoritative)
            )
    return [_finding(g, system, key, found) for (system, key), found in sorted(groups.items())]


def _obtain_from(g: nx.MultiDiGraph, element: dict, authoritative: list[dict]) -> dict | None:
    """The authoritative resource to obtain the element from instead."""
    for edge in authoritative:
        for item in edge["items"]:
            node = f"resource:{item['resource_id']}"
            if node in g:
                return describe(g, node)
    source = element.get("source_resource_id")
    return {"id": source, "kind": "resource"} if source is not None else None


def _finding(g: nx.MultiDiGraph, system: str, key: str, found: list) -> FindingData:
    s = g.nodes[system]
    elements = []
    instead = None
    for element, edge, collectors, authoritative in sorted(
        found, key=lambda f: g.nodes[f[0]]["identifier"]
    ):
        e = g.nodes[element]
        instead = instead or _obtain_from(g, e, authoritative)
        elements.append(
            {
                "id": node_id(element),
                "identifier": e["identifier"],
                "name": e["name"],
                "items": edge["items"],
                "item_count": edge["count"],
                "other_collectors": sorted(
                    describe(g, u)["code"] for u, _, _ in collectors if u != system
                ),
            }
        )
    names = "、".join(e["name"] for e in elements[:5]) + ("……" if len(elements) > 5 else "")
    where = f"，应从“{instead['name']}”共享获取" if instead and instead.get("name") else ""
    return FindingData(
        kind="duplicate_collection",
        fingerprint=f"duplicate_collection:{node_id(system)}:{key}",
        subject_type="system",
        subject_id=node_id(system),
        department_id=s.get("department_id"),
        title=f"{s.get('name')} 原始采集了 {names}{where}"[:300],
        evidence={
            "system": describe(g, system),
            "source": key,
            "elements": elements,
            "items": [i for e in elements for i in e["items"]],
            "item_count": sum(e["item_count"] for e in elements),
            "obtain_from_resource": instead,
        },
    )
