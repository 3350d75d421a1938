"""Neighbourhoods and exports of a built graph (pure networkx)."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import networkx as nx

MAX_DEPTH = 3


def neighbourhood(
    g: nx.MultiDiGraph,
    node: str,
    *,
    direction: str = "both",
    depth: int = 1,
    edge_types: set[str] | None = None,
) -> list[tuple[str, int]]:
    """Nodes within ``depth`` hops (breadth first), with their distance, nearest first."""
    seen = {node: 0}
    queue = deque([node])
    while queue:
        current = queue.popleft()
        if seen[current] >= depth:
            continue
        steps = []
        if direction in ("out", "both"):
            steps += [(v, a) for _, v, a in g.out_edges(current, data=True)]
        if direction in ("in", "both"):
            steps += [(u, a) for u, _, a in g.in_edges(current, data=True)]
        for other, attrs in steps:
            if edge_types and attrs["type"] not in edge_types:
                continue
            if other not in seen:
                seen[other] = seen[current] + 1
                queue.append(other)
    return sorted(((n, d) for n, d in seen.items() if n != node), key=lambda nd: (nd[1], nd[0]))


def edges_among(g: nx.MultiDiGraph, nodes: set[str]) -> list[dict[str, Any]]:
    return [
        {"source": u, "target": v, "type": a["type"]}
        for u, v, a in g.edges(data=True)
        if u in nodes and v in nodes
    ]


def _flat(value: Any) -> Any:
    if isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def to_graphml(g: nx.MultiDiGraph) -> str:
    """GraphML wants scalar attributes: lists and dicts travel as JSON strings."""
    flat = nx.MultiDiGraph()
    for n, a in g.nodes(data=True):
        flat.add_node(n, **{k: _flat(v) for k, v in a.items() if v is not None})
    for u, v, a in g.edges(data=True):
        flat.add_edge(u, v, **{k: _flat(val) for k, val in a.items() if val is not None})
    return "\n".join(nx.generate_graphml(flat))


def to_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    data = nx.node_link_data(g, edges="edges")
    data["graph"] = dict(g.graph)
    return data
