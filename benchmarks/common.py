"""What the benchmark scripts share: percentiles, and a catalog entry to create."""

from __future__ import annotations

from typing import Any


def pct(values: list[float], p: float, *, digits: int = 2) -> float:
    """The p-th percentile of ``values`` (seconds), in milliseconds (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))
    return round(ordered[index] * 1000, digits)


def catalog_entry(name: str, *, items: int = 20, **overrides: Any) -> dict[str, Any]:
    """A complete 数据库 entry (有条件共享 through the platform's interface) with ``items``
    data items, as ResourceSchema loads it."""
    return {
        "classification_code": "307001",
        "name": name,
        "summary": "由基准脚本生成的信息资源，用于测量性能",
        "format_class": "数据库",
        "format_detail": "oracle",
        "share_type": "有条件共享",
        "share_condition": "仅限政务用途",
        "share_method_class": "共享平台方式",
        "share_method_platform": "接口",
        "open_type": "不予开放",
        "update_cycle": "每月",
        "publish_date": "2026-01-15",
        "items": [
            {"name": f"信息项{k:03d}", "data_type": "字符型C", "length": 50} for k in range(items)
        ],
        **overrides,
    }


def load_demo_once(session, scale: str, report: dict[str, Any]) -> None:
    """The demo at ``scale`` into an empty database (a kept one is reused), its load time
    in ``report``."""
    import time

    from sqlalchemy import func, select

    from registry.demo import load_demo
    from registry.models import Department

    if not session.scalar(select(func.count()).select_from(Department)):
        t = time.perf_counter()
        load_demo(session, scale=scale)
        session.commit()
        report["demo_load_s"] = round(time.perf_counter() - t, 1)
