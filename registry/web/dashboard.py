"""概览: the 大数据中心's home (and everyone's signed in): the registry's state as charts,
each with its table, each figure linking to the list behind it (services/dashboard.py)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from ..db import db
from ..graph.build import regions
from ..services.dashboard import Dashboard, dashboard
from .common import STATUS_LABELS, signed_in, text_or_none
from .findings import KIND_LABELS
from .projects import STAGE_LABELS

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index():
    actor = signed_in()
    known = regions(db.session)
    region = text_or_none(request.args.get("region"))
    d = dashboard(db.session, actor, region=region if region in known else None)
    return render_template("dashboard.html", d=d, regions=known, charts=_charts(d))


def _charts(d: Dashboard) -> list[dict]:
    """Each chart's rows: (label, value, the list behind it, a note or None)."""
    share = [
        (
            name,
            round(100 * served / published),
            url_for("web.department_page", department_id=i),
            f"{served} / {published} 项",
        )
        for i, name, served, published in d.platform_share[:15]
    ]
    return [
        {
            "id": "chart-status",
            "caption": "信息资源（按状态）",
            "rows": [
                (STATUS_LABELS.get(s, s), n, url_for("web.search_page", status=s), None)
                for s, n in d.resources_by_status.items()
            ],
        },
        {
            "id": "chart-queue",
            "caption": "待审核资源已等待时间",
            "rows": [(label, n, url_for("review.queue"), None) for label, n in d.queue_by_age],
            "colour": "#9a6700",
        },
        {
            "id": "chart-finding-kinds",
            "caption": "待整改问题（按类型）",
            "rows": [
                (KIND_LABELS.get(k, k), n, url_for("findings_pages.index", kind=k), None)
                for k, n in d.findings_by_kind
            ],
            "colour": "#cf222e",
        },
        {
            "id": "chart-finding-departments",
            "caption": "待整改问题最多的部门",
            "rows": [
                (name, n, url_for("findings_pages.index", department_id=i), None)
                for i, name, n in d.findings_by_department
            ],
            "colour": "#cf222e",
        },
        {
            "id": "chart-platform",
            "caption": "通过共享交换平台提供的资源占比（最低的 15 个部门）",
            "rows": share,
            "colour": "#1a7f37",
            "unit": "%",
        },
        {
            "id": "chart-stages",
            "caption": "项目（按阶段；括号内为因第十七条暂停的）",
            "rows": [
                (
                    STAGE_LABELS[s]
                    + (f"（{d.projects_held[s]}）" if d.projects_held.get(s) else ""),
                    n,
                    url_for("projects_pages.index", stage=s),
                    None,
                )
                for s, n in d.projects_by_stage.items()
            ],
            "colour": "#bc4c00",
        },
    ]
