"""The exchange platform's call log: loaded all or nothing with located problems, matched
to grants; a grant with no observed calls for 90 days is listed as unused."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from registry.db import db, local_now
from registry.models import Grant, InformationSystem, Interface, UsageObservation

from .factories import share_request


def _upload(api, who: str, text: str, encoding: str = "utf-8"):
    return api.client.post(
        "/api/v1/usage-log",
        data={"file": (io.BytesIO(text.encode(encoding)), "平台日志.csv")},
        headers={"Authorization": f"Bearer {api.world.tokens[who]}"},
        content_type="multipart/form-data",
    )


def test_a_call_log_loads_whole_or_not_at_all(app, api):
    today = local_now("Asia/Shanghai").date()
    with app.app_context():
        request = share_request(api.world, "approved")
        interface = Interface(
            name="人口查询", kind="api", department_id=api.world.dept_a, platform_connected=True
        )
        db.session.add(interface)
        db.session.flush()
        request.interface_id = interface.id
        other = share_request(api.world, "approved")
        for grant in db.session.scalars(select(Grant)):
            grant.starts_on = today - timedelta(days=200)
        system_code = db.session.get(InformationSystem, request.requester_system_id).code
        db.session.commit()
        interface_id, matched_grant = (
            interface.id,
            db.session.scalar(select(Grant.id).where(Grant.request_id == request.id)),
        )
        unused_grant = db.session.scalar(select(Grant.id).where(Grant.request_id == other.id))
    day = (today - timedelta(days=3)).isoformat()
    bad = (
        "接口,使用系统,调用次数,日期\n"
        f"{interface_id},{system_code},120,{day}\n"
        f"{interface_id},NO-SUCH-SYSTEM,abc,{day}\n"
    )
    assert _upload(api, "editor_a", bad).status_code == 403
    r = _upload(api, "reviewer", bad)
    assert r.status_code == 422, r.get_json()
    problems = r.get_json()["errors"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {(3, "使用系统"), (3, "调用次数")}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UsageObservation)) == 0
    good = f"接口,使用系统,调用次数,日期\n{interface_id},{system_code},120,{day}\n"
    r = _upload(api, "reviewer", good, "gb18030")
    assert r.status_code == 201 and r.get_json() == {"rows": 1, "matched_grants": 1}
    unused = api.as_("ndrc").get("/api/v1/grants/unused").get_json()
    assert [g["id"] for g in unused] == [unused_grant] and matched_grant != unused_grant
