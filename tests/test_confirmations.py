"""The confirmation gate (Art. 15) and the project lifecycle rules (Art. 7, 8, 16, 17)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from registry import crypto as signing
from registry.db import db, local_now
from registry.models import AuditEvent, Confirmation, Project
from registry.services.confirmations import verify_file

from .factories import confirmable_project as _project

# GB/T 32918.5-2017 Annex A (= GM/T 0003.5-2012): signature on the recommended curve.
VECTOR = {
    "d": "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
    "public": "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
    "k": "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21",
    "r": "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
    "s": "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
}
MATERIALS = {
    k: {"present": True, "reference": f"{k}-2026-01"}
    for k in (
        "construction_summary",
        "financial_report",
        "audit_report",
        "sharing_assessment",
        "security_assessment",
        "crypto_assessment",
    )
}


def test_sm2_published_vector():
    signer = signing.SoftwareSM2Signer(VECTOR["d"])
    assert signer.public_key == VECTOR["public"]
    sig = signer.sign(b"message digest", k=VECTOR["k"])
    assert sig == VECTOR["r"] + VECTOR["s"]
    assert signing.verify(VECTOR["public"], b"message digest", VECTOR["r"] + VECTOR["s"])
    assert not signing.verify(VECTOR["public"], b"message digesu", sig)


def _etag(api, url, who="reviewer"):
    return api.as_(who).get(url).headers["ETag"]


def _apply_issue(api, pid, **decision):
    r = api.as_("editor_a").post(f"/api/v1/projects/{pid}/confirmation-applications")
    assert r.status_code == 201, r.get_json()
    conf = r.get_json()
    r = api.as_("reviewer").post(
        f"/api/v1/confirmations/{conf['id']}/issue", json=decision, etag=r.headers["ETag"]
    )
    return conf, r


def test_apply_issue_verify_revoke_supersede(app, api):
    pid, rid = _project(api, app=app)
    conf, r = _apply_issue(api, pid, opinion="同意")
    assert r.status_code == 200, r.get_json()
    issued = r.get_json()
    statuses = {c["name"]: c["status"] for c in conf["checks"]}
    assert statuses.pop("no_overdue_share_requests") == "not_applicable"
    assert set(statuses.values()) == {"pass"}, conf["checks"]
    year = date.today().year
    assert issued["number"] == f"新数确〔{year}〕1号" and issued["status"] == "issued"
    v = (
        api.as_(None)
        .get(f"/verify/{issued['number']}", headers={"Accept": "application/json"})
        .get_json()
    )
    assert v["result"] == "valid" and v["signature_valid"] is True
    page = api.as_(None).get(f"/verify/{issued['number']}", headers={"Accept": "text/html"})
    assert "有效" in page.get_data(as_text=True)
    # the catalog changes after issue: still signed, but no longer matching
    res_etag = _etag(api, f"/api/v1/resources/{rid}", "editor_a")
    api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}", json={"summary": "改过的摘要"}, etag=res_etag
    )
    v = (
        api.as_(None)
        .get(f"/verify/{issued['number']}", headers={"Accept": "application/json"})
        .get_json()
    )
    assert v["result"] == "catalog_changed" and [c["change"] for c in v["changed"]] == ["modified"]
    # re-apply and issue: the new one supersedes, numbering continues without gaps
    conf2, r2 = _apply_issue(api, pid)
    assert r2.get_json()["number"] == f"新数确〔{year}〕2号"
    assert r2.get_json()["document"]["supersedes"] == [issued["number"]]
    v = (
        api.as_(None)
        .get(f"/verify/{issued['number']}", headers={"Accept": "application/json"})
        .get_json()
    )
    assert v["result"] == "superseded"
    url = f"/api/v1/confirmations/{conf2['id']}"
    r = api.as_("reviewer").post(url + "/revoke", json={}, etag=_etag(api, url))
    assert r.status_code == 422
    r = api.as_("reviewer").post(url + "/revoke", json={"reason": "材料造假"}, etag=_etag(api, url))
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    again = api.as_("reviewer").post(url + "/revoke", json={"reason": "再次"}, etag=_etag(api, url))
    assert again.status_code == 409
    v = (
        api.as_(None)
        .get(f"/verify/{r.get_json()['number']}", headers={"Accept": "application/json"})
        .get_json()
    )
    assert v["result"] == "revoked"


def test_failing_check_needs_audited_override(app, api):
    pid, _ = _project(api, in_catalog=False, app=app)
    conf, r = _apply_issue(api, pid)
    assert r.status_code == 409 and r.get_json()["code"] == "checks_failed"
    assert "systems_in_system_catalog" in r.get_json()["errors"]["checks"]
    failing = next(c for c in conf["checks"] if c["name"] == "systems_in_system_catalog")
    assert failing["status"] == "fail" and failing["evidence"]["missing"][0]["code"] == "SYS-300"
    url = f"/api/v1/confirmations/{conf['id']}"
    r = api.as_("reviewer").post(
        url + "/issue",
        json={"override_reason": "系统已报批列入目录，批文待下发"},
        etag=_etag(api, url),
    )
    assert r.status_code == 200 and r.get_json()["document"]["override_reason"].startswith(
        "系统已报批"
    )
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "confirmation.issue")
        )
        assert event.cause.startswith("系统已报批") and event.actor_name == "reviewer"


def test_bad_input_changes_nothing(app, api):
    assert (
        api.as_("editor_a").post("/api/v1/projects/99999/confirmation-applications").status_code
        == 404
    )
    pid, _ = _project(api, app=app, stage="technical_review")
    r = api.as_("editor_a").post(f"/api/v1/projects/{pid}/confirmation-applications")
    assert r.status_code == 409 and r.get_json()["code"] == "not_ready_to_apply"
    with app.app_context():
        db.session.get(Project, pid).stage = "construction"
        db.session.commit()
    assert (
        api.as_("editor_b").post(f"/api/v1/projects/{pid}/confirmation-applications").status_code
        == 403
    )
    conf, r = _apply_issue(api, pid)
    url = f"/api/v1/confirmations/{conf['id']}"
    assert (
        api.as_("editor_a").post(url + "/issue", json={}, etag=_etag(api, url)).status_code == 403
    )
    double = api.as_("reviewer").post(url + "/issue", json={}, etag=_etag(api, url))
    assert double.status_code == 409 and double.get_json()["code"] == "invalid_transition"
    assert (
        api.as_(None)
        .get("/verify/不存在的编号", headers={"Accept": "application/json"})
        .status_code
        == 404
    )
    # a forged signature in the database is caught by the public check
    with app.app_context():
        c = db.session.get(Confirmation, conf["id"])
        c.signature = c.signature[:-2] + ("00" if c.signature[-2:] != "00" else "11")
        db.session.commit()
        number = c.number
    v = api.as_(None).get(f"/verify/{number}", headers={"Accept": "application/json"}).get_json()
    assert v["result"] == "invalid_signature" and v["signature_valid"] is False


def test_document_pdf_print_and_offline_verify(app, api, tmp_path):
    pid, _ = _project(api, app=app)
    conf, r = _apply_issue(api, pid)
    number = r.get_json()["number"]
    doc = api.as_("editor_a").get(f"/api/v1/confirmations/{conf['id']}/document").get_json()
    assert verify_file(doc) == (True, "签名有效")
    path = tmp_path / "conf.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["confirm", "verify", str(path), "--public-key", doc["public_key"]])
    assert ok.exit_code == 0 and "签名有效" in ok.output
    tampered = dict(doc, document={**doc["document"], "opinion": "不同意"}, canonical=None)
    path.write_text(json.dumps(tampered, ensure_ascii=False), "utf-8")
    bad = runner.invoke(args=["confirm", "verify", str(path)])
    assert bad.exit_code == 1
    other_key = signing.SoftwareSM2Signer(signing.generate_private_key()).public_key
    assert verify_file(doc, other_key)[0] is False
    pdf = api.as_("editor_a").get(f"/api/v1/confirmations/{conf['id']}/pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert number in text and "社会救助一件事" in text and "数据共享完成确认意见" in text
    page = (
        api.as_("editor_a").get(f"/api/v1/confirmations/{conf['id']}/print").get_data(as_text=True)
    )
    assert number in page and f"/verify/{number}" in page


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_altered_byte_fails_verification(data):
    signer = signing.SoftwareSM2Signer(VECTOR["d"])
    canonical = json.dumps(
        {"number": "新数确〔2026〕1号", "project": "社会救助一件事", "checks": ["pass"] * 3},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    sig = signer.sign(canonical, k=VECTOR["k"])
    pos = data.draw(st.integers(0, len(canonical) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != canonical[pos]))
    altered = canonical[:pos] + bytes([value]) + canonical[pos + 1 :]
    assert signing.verify(signer.public_key, canonical, sig)
    assert not signing.verify(signer.public_key, altered, sig)


def _move(api, pid, stage, who="ndrc", **evidence):
    etag = _etag(api, f"/api/v1/projects/{pid}", who)
    return api.as_(who).post(
        f"/api/v1/projects/{pid}/stage", json={"to_stage": stage, "evidence": evidence}, etag=etag
    )


def test_article_8_technical_review(app, api):
    small, _ = _project(api, investment="300", app=app, stage="technical_review")
    r = _move(api, small, "construction", "reviewer")
    assert r.status_code == 409 and r.get_json()["code"] == "art8_expert_panel_missing"
    r = _move(
        api,
        small,
        "construction",
        "reviewer",
        expert_panel_conclusion="同意建设",
        review_passed=False,
    )
    assert r.status_code == 409 and r.get_json()["code"] == "art8_review_not_passed"
    r = _move(
        api,
        small,
        "construction",
        "reviewer",
        expert_panel_conclusion="同意建设",
        review_passed=True,
    )
    assert (
        r.status_code == 200
        and r.get_json()["stage_changes"][-1]["evidence"]["review_passed"] is True
    )
    big, _ = _project(api, investment="800", app=app, stage="technical_review")
    r = _move(api, big, "construction")
    assert r.status_code == 409 and r.get_json()["code"] == "art8_city_review_missing"
    assert (
        _move(api, big, "construction", city_review_reference="市数据局〔2026〕7号").status_code
        == 200
    )
    assert _move(api, big, "acceptance_requested", "reviewer").status_code == 403


def test_acceptance_gate(app, api):
    pid, rid = _project(api, app=app)
    r = _move(api, pid, "acceptance_requested")
    assert r.status_code == 409 and r.get_json()["code"] == "art15_no_confirmation"
    _apply_issue(api, pid)
    r = _move(api, pid, "acceptance_requested")
    assert r.status_code == 409 and r.get_json()["code"] == "art16_materials_missing"
    assert len(r.get_json()["errors"]["acceptance_materials"]) == 6
    past = (date.today() - timedelta(days=3)).isoformat()
    r = api.as_("editor_a").patch(
        f"/api/v1/projects/{pid}",
        json={"acceptance_materials": MATERIALS, "planned_acceptance_date": past},
        etag=_etag(api, f"/api/v1/projects/{pid}"),
    )
    assert r.status_code == 200, r.get_json()
    r = _move(api, pid, "acceptance_requested")
    assert r.status_code == 409 and r.get_json()["code"] == "art16_extension_required"
    new_date = (date.today() + timedelta(days=30)).isoformat()
    r = api.as_("editor_a").post(
        f"/api/v1/projects/{pid}/extension-requests",
        json={"reason": "等保测评排期推迟", "new_date": new_date},
        etag=_etag(api, f"/api/v1/projects/{pid}"),
    )
    assert r.status_code == 200 and r.get_json()["extension_requests"][0]["previous_date"] == past
    # a catalog change after issue invalidates the confirmation for acceptance
    api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}",
        json={"summary": "新"},
        etag=_etag(api, f"/api/v1/resources/{rid}", "editor_a"),
    )
    r = _move(api, pid, "acceptance_requested")
    assert r.status_code == 409 and r.get_json()["code"] == "art15_confirmation_invalid"
    _apply_issue(api, pid)
    r = _move(api, pid, "acceptance_requested")
    assert r.status_code == 200, r.get_json()
    evidence = r.get_json()["stage_changes"][-1]["evidence"]
    assert evidence["confirmation"].endswith("2号")


def test_signing_key_generated_on_first_start_or_configured(app, tmp_path, database_url):
    key_file = tmp_path / "keys" / "sm2-signing.json"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    from .conftest import make_app

    try:
        make_app(database_url, tmp_path / "other", SIGNING_KEY_PATH=str(tmp_path / "missing.json"))
    except RuntimeError as exc:
        assert "missing.json" in str(exc)
    else:
        raise AssertionError("a configured but missing key file was accepted")


# Private keys whose public key begins with "04": gmssl's constructor strips that as if it
# were the uncompressed-point prefix (and more, with lstrip), so one key in 128 signed
# against the wrong point before the fix. Found by search; any such key will do.
KEYS_WITH_04 = (
    "b780e92555f7ab8deae6eae0a3f0a01ace5670435189dca50c77b2dc6fd349e9",
    "4d95d2760710cf79128812b5cdce4b1849d1fac53230b75507cf81e985ddb488",
)


def test_keys_whose_public_key_begins_with_04_sign_and_verify():
    for private in KEYS_WITH_04:
        signer = signing.SoftwareSM2Signer(private)
        assert signer.public_key.startswith("04") and len(signer.public_key) == 128
        message = "新数确〔2026〕1号".encode()
        assert signing.verify(signer.public_key, message, signer.sign(message))
        assert not signing.verify(signer.public_key, message + b"!", signer.sign(message))


def test_the_share_request_check_names_requests_left_past_their_deadline(app, api):
    """Art. 9(3)/15: a project whose data was requested and not answered in time fails the
    check, with those requests as its evidence; answering late does not clear it."""
    pid, rid = _project(api, app=app)
    b_system = api.as_("editor_b").post(
        "/api/v1/systems",
        json={"code": "SYS-B-REQ", "name": "市场监管系统", "deployment": "政务云"},
    )
    request = api.as_("editor_b").post(
        "/api/v1/share-requests",
        json={
            "resource_id": rid,
            "requester_system_id": b_system.get_json()["id"],
            "purpose": "核验救助对象",
            "business_matter": "社会救助联审",
            # The service's today is the county's (LOCAL_TIMEZONE), not this machine's.
            "period_start": local_now(app.config["LOCAL_TIMEZONE"]).date().isoformat(),
        },
    )
    assert request.status_code == 201, request.get_json()
    request_id = request.get_json()["id"]

    def share_check():
        r = api.as_("editor_a").post(f"/api/v1/projects/{pid}/confirmation-applications")
        assert r.status_code == 201, r.get_json()
        return {c["name"]: c for c in r.get_json()["checks"]}["no_overdue_share_requests"]

    assert share_check()["status"] == "pass"  # asked, and still within its deadline
    with app.app_context():
        from registry.models import ShareRequest

        db.session.get(ShareRequest, request_id).due_date = date.today() - timedelta(days=2)
        db.session.commit()
    check = share_check()
    assert check["status"] == "fail"
    assert [r["id"] for r in check["evidence"]["requests"]] == [request_id]
    etag = api.as_("editor_a").get(f"/api/v1/share-requests/{request_id}").headers["ETag"]
    r = api.as_("editor_a").post(f"/api/v1/share-requests/{request_id}/approve", json={}, etag=etag)
    assert r.get_json()["answered_late"] is True
    check = share_check()
    assert check["status"] == "fail" and check["evidence"]["requests"][0]["answered_late"]
