"""共享范围、程度: the figures come from the records, per department and for the county;
the workbook carries the same figures."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from registry.db import db
from registry.models import ShareRequest

from .factories import published, share_request


def test_scores_count_what_was_recorded(app, api):
    published(api, "editor_a")  # shareable but not served through the platform
    published(
        api,
        "editor_a",
        share_type="不予共享",
        share_condition="《统计法》第二十五条",
        share_method_class=None,
        share_method_platform=None,
    )
    with app.app_context():
        approved = share_request(api.world, "approved")
        late = share_request(api.world, "overdue")
        late.answered_late, late.status, late.answer_days = True, "refused", 12
        pending = share_request(api.world)
        db.session.commit()
        assert db.session.get(ShareRequest, approved.id).answer_days == 0
        pending_id = pending.id
    body = api.as_("ndrc").get("/api/v1/sharing-scores").get_json()
    a = next(d for d in body["departments"] if d["department_id"] == api.world.dept_a)
    # 2 published by the test + 3 published by the factory requests
    assert a["resources"] == 5 and a["shareable"] == 4 and a["via_platform"] == 0
    assert a["requests"] == 3 and a["answered"] == 2 and a["answered_on_time"] == 1
    assert a["approved"] == 1 and a["active_grants"] == 1 and a["consumers"] == 1
    assert a["median_answer_days"] == 6  # median of 0 and 12
    assert a["ratios"]["on_time"] == round(1 / 3, 4) and a["ratios"]["via_platform"] == 0
    assert a["score"] == round(100 * (0.4 * 0 + 0.3 * (1 / 3) + 0.2 * 0.5 + 0.1 * 1), 1)
    b = next(d for d in body["departments"] if d["department_id"] == api.world.dept_b)
    assert b["requests"] == 0 and b["ratios"]["on_time"] == 1.0  # not asked: not marked down
    county = body["county"]
    assert county["requests"] == 3 and county["resources"] == a["resources"] + b["resources"]
    assert pending_id

    r = api.as_("ndrc").get("/api/v1/sharing-scores/export")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(2, values_only=True)
    }
    assert rows["县公安局"]["收到申请"] == 3 and rows["全县（全部部门）"]["收到申请"] == 3
    assert api.as_(None).get("/api/v1/sharing-scores").status_code == 401
