"""Sharing and flows: shareable resources with no platform-connected interface, flows that
bypass the platform, systems missing from the county system catalog, resources nobody
consumes, and cycles in the flows."""

from __future__ import annotations

import networkx as nx

from .model import FindingData, describe, in_edges, node_id, nodes_of

SHAREABLE = ("无条件共享", "有条件共享")


def _shareable(attrs: dict) -> bool:
    return attrs.get("status") == "published" and attrs.get("share_type") in SHAREABLE


def unshared_resources(g: nx.MultiDiGraph) -> list[FindingData]:
    """Art. 9(3): a shareable resource must be served through the exchange platform."""
    out = []
    for r in nodes_of(g, "resource"):
        attrs = g.nodes[r]
        if not _shareable(attrs):
            continue
        served = [u for u, _, _ in in_edges(g, r, "serves") if g.nodes[u].get("platform_connected")]
        if not served:
            others = [describe(g, u) for u, _, _ in in_edges(g, r, "serves")]
            out.append(
                FindingData(
                    "unshared_resource",
                    f"unshared_resource:{node_id(r)}",
                    "resource",
                    node_id(r),
                    attrs.get("department_id"),
                    f"可共享资源“{attrs['name']}”未通过共享交换平台提供",
                    {
                        "resource": describe(g, r),
                        "share_type": attrs["share_type"],
                        "unconnected_interfaces": others,
                    },
                )
            )
    return out


def bypasses_platform(g: nx.MultiDiGraph) -> list[FindingData]:
    out = []
    for u, v, a in g.edges(data=True):
        if a["type"] == "flows_to" and not a["via_platform"]:
            out.append(
                FindingData(
                    "bypasses_platform",
                    f"bypasses_platform:{a['flow_id']}",
                    "flow",
                    a["flow_id"],
                    a["source_department_id"],
                    f"{g.nodes[u].get('name', u)} → {g.nodes[v].get('name', v)} "
                    "点对点传输，未经共享交换平台",
                    {
                        "flow_id": a["flow_id"],
                        "from": describe(g, u),
                        "to": describe(g, v),
                        "resource_id": a["resource_id"],
                    },
                )
            )
    return out


def not_in_system_catalog(g: nx.MultiDiGraph) -> list[FindingData]:
    """Art. 17: a system missing from the county system catalog."""
    return [
        FindingData(
            "not_in_system_catalog",
            f"not_in_system_catalog:{node_id(s)}",
            "system",
            node_id(s),
            g.nodes[s].get("department_id"),
            f"系统“{g.nodes[s]['name']}”未列入县级系统目录",
            {"system": describe(g, s)},
        )
        for s in nodes_of(g, "system")
        if not g.nodes[s].get("in_system_catalog")
    ]


def flow_cycles(g: nx.MultiDiGraph, *, max_length: int = 8) -> list[FindingData]:
    flows = nx.DiGraph()
    for u, v, a in g.edges(data=True):
        if a["type"] == "flows_to" and u != v:
            flows.add_edge(u, v, flow_id=a["flow_id"])
    out = []
    for cycle in nx.simple_cycles(flows, length_bound=max_length):
        start = cycle.index(min(cycle))  # one fingerprint per cycle, whatever node it starts at
        cycle = cycle[start:] + cycle[:start]
        flow_ids = [
            flows.edges[a, b]["flow_id"] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
        ]
        first = g.nodes[cycle[0]]
        out.append(
            FindingData(
                "flow_cycle",
                "flow_cycle:" + "-".join(cycle),
                "flow",
                flow_ids[0],
                first.get("department_id"),
                "数据流形成环路："
                + " → ".join(str(g.nodes[n].get("name", n)) for n in cycle + cycle[:1]),
                {"nodes": [describe(g, n) for n in cycle], "flow_ids": flow_ids},
            )
        )
    return out
