"""The paper copy carries both digests whole; the public page says what it may, in local
time; numbers take the local year; the Art. 17 block counts every finding."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import select

import registry.db
from registry.db import db
from registry.models import AuditEvent, Finding

from .test_confirmations import _apply_issue, _project


def test_pdf_holds_both_digests_whole_and_wraps_long_text(app, api):
    pid, _ = _project(api, app=app)
    conf, r = _apply_issue(
        api, pid, opinion="同意。" + "该项目已按要求完成信息资源目录编制和共享接口接入，" * 8
    )
    assert r.status_code == 200, r.get_json()
    doc = api.as_("editor_a").get(f"/api/v1/confirmations/{conf['id']}/document").get_json()
    pdf = api.as_("editor_a").get(f"/api/v1/confirmations/{conf['id']}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    with app.app_context():  # the key's first signature published it, on the record
        assert (
            db.session.scalar(
                select(AuditEvent.subject_id).where(AuditEvent.action == "signing_key.register")
            )
            == doc["key_id"]
        )
    assert doc["document"]["catalog_digest"] in text and doc["digest"] in text
    assert "完成信息资源目录编制和共享接口接入" * 1 in flat and flat.count("共享接口接入") == 8


def test_public_page_local_time_overrides_and_no_private_codes(app, api):
    pid, rid = _project(api, app=app, in_catalog=False)  # a failing check: issued with a reason
    conf, r = _apply_issue(api, pid, override_reason="系统目录登记在办")
    assert r.status_code == 200, r.get_json()
    number = r.get_json()["number"]
    resource = api.as_("editor_a").get(f"/api/v1/resources/{rid}")
    code = resource.get_json()["code"]
    changed = api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}", json={"summary": "签发后修改"}, etag=resource.headers["ETag"]
    )
    assert changed.status_code == 200
    js = api.client.get(f"/verify/{number}", headers={"Accept": "application/json"}).get_json()
    assert js["result"] == "catalog_changed"
    assert js["changed"] and all(
        c["code"] is None for c in js["changed"] if c["type"] == "resource"
    )
    assert js["overridden"] and js["issued_at"].endswith("（Asia/Shanghai）")
    html = api.client.get(f"/verify/{number}").get_data(as_text=True)
    assert code not in html and "社会救助对象信息" not in html
    assert "未通过" in html and "Asia/Shanghai" in html
    unknown = api.client.get("/verify/新数确〔1999〕9号")
    assert unknown.status_code == 404 and unknown.mimetype == "text/html"
    assert "未找到该编号" in unknown.get_data(as_text=True)
    assert (
        api.client.get(
            "/verify/新数确〔1999〕9号", headers={"Accept": "application/json"}
        ).get_json()["code"]
        == "confirmation_not_found"
    )


def test_numbers_take_the_local_year(app, api, monkeypatch):
    pid, _ = _project(api, app=app)
    # 23:30 UTC on 31 December is 07:30 on 1 January in Beijing.
    monkeypatch.setattr(registry.db, "utcnow", lambda: datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    _, r = _apply_issue(api, pid)
    assert r.status_code == 200, r.get_json()
    assert "〔2027〕" in r.get_json()["number"]


def test_art17_block_counts_every_finding(app, api, world):
    with app.app_context():
        for n in range(60):
            db.session.add(
                Finding(
                    kind="not_in_system_catalog",
                    fingerprint=f"t:{n}",
                    subject_type="system",
                    subject_id=n,
                    department_id=world.dept_a,
                    title=f"问题{n}",
                    evidence={},
                    status="open",
                    history=[],
                )
            )
        db.session.commit()
    r = api.as_("editor_a").post(
        "/api/v1/projects", json={"code": "XM-B17", "name": "被阻止的项目", "investment": "10"}
    )
    assert r.status_code == 409 and r.get_json()["code"] == "art17_block"
    assert "有 60 项" in r.get_json()["message"] and "前 50 项，共 60 项" in r.get_json()["message"]
    assert len(r.get_json()["errors"]["findings"]) == 50
