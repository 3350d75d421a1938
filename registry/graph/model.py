"""What an analysis produces: plain finding data, before it meets the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx


@dataclass
class FindingData:
    kind: str
    fingerprint: str
    subject_type: str
    subject_id: int
    department_id: int | None
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)


def node_id(node: str) -> int:
    return int(node.split(":", 1)[1])


def nodes_of(g: nx.MultiDiGraph, kind: str) -> list[str]:
    return [
        n for n, a in g.nodes(data=True) if a.get("kind") == kind and not a.get("outside_scope")
    ]


def out_edges(g: nx.MultiDiGraph, node: str, edge_type: str) -> list[tuple[str, str, dict]]:
    return [(u, v, a) for u, v, a in g.out_edges(node, data=True) if a["type"] == edge_type]


def in_edges(g: nx.MultiDiGraph, node: str, edge_type: str) -> list[tuple[str, str, dict]]:
    return [(u, v, a) for u, v, a in g.in_edges(node, data=True) if a["type"] == edge_type]


def describe(g: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    a = g.nodes[node]
    return {
        "id": node_id(node),
        "kind": a.get("kind"),
        "code": a.get("code") or a.get("identifier"),
        "name": a.get("name"),
    }
