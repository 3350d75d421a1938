"""The error envelope {code, message, errors} and its statuses; no partial writes."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.db import db
from registry.models import AuditEvent, CodeSequence, DataItem, Resource

from .helpers import resource_payload


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_envelope(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    assert _is_chinese(body["message"])
    return body


def test_401_for_bad_tokens(api):
    r = api.client.get("/api/v1/systems", headers={"Authorization": "Bearer nope"})
    assert_envelope(r, 401, "invalid_token")
    r = api.client.get("/api/v1/systems", headers={"Authorization": "Basic abc"})
    assert_envelope(r, 401, "bad_authorization")
    assert_envelope(api.as_(None).get("/api/v1/systems"), 401, "unauthenticated")


def test_404_unknown_record_and_route(api):
    assert_envelope(api.as_("admin").get("/api/v1/systems/999999"), 404, "not_found")
    assert_envelope(api.as_("admin").get("/api/v1/nothing-here"), 404, "not_found")


def test_422_names_each_field_in_chinese(api):
    r = api.as_("editor_a").post(
        "/api/v1/resources",
        json={
            "classification_code": "999",
            "name": "",
            "format_class": "纸质",
            "share_type": "有条件共享",
            "update_cycle": "每十年",
            "publish_date": "2026-13-01",
            "bogus": 1,
            "items": [{"name": "姓名", "data_type": "字符"}],
        },
    )
    body = assert_envelope(r, 422, "validation_failed")
    errors = body["errors"]
    for field in (
        "classification_code",
        "name",
        "summary",
        "format_class",
        "update_cycle",
        "publish_date",
        "open_type",
        "bogus",
        "items",
    ):
        assert field in errors, field
        assert all(_is_chinese(m) for m in _messages(errors[field])), errors[field]
    assert "data_type" in errors["items"]["0"]


def _messages(value):
    if isinstance(value, list):
        return value
    return [m for v in value.values() for m in _messages(v)]


def test_400_for_malformed_json(api):
    r = api.as_("editor_a").client.post(
        "/api/v1/resources",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
    )
    body = assert_envelope(r, 400, "bad_request")
    assert "_body" in body["errors"]


def test_409_duplicate_unique_fields(api):
    payload = {"code": "SYS-1", "name": "系统", "deployment": "政务云"}
    assert api.as_("editor_a").post("/api/v1/systems", json=payload).status_code == 201
    body = assert_envelope(
        api.as_("editor_a").post("/api/v1/systems", json=payload), 409, "duplicate"
    )
    assert "code" in body["errors"]


def test_409_delete_still_referenced(api):
    s = api.as_("editor_a").post(
        "/api/v1/systems", json={"code": "S", "name": "系统", "deployment": "政务云"}
    )
    api.create_resource(system_ids=[s.get_json()["id"]])
    d = api.as_("admin").get(f"/api/v1/departments/{api.world.dept_a}")
    assert_envelope(
        api.as_("admin").delete(f"/api/v1/departments/{api.world.dept_a}", etag=d.headers["ETag"]),
        409,
        "still_referenced",
    )
    assert api.as_("admin").get(f"/api/v1/departments/{api.world.dept_a}").status_code == 200


def test_malformed_request_writes_nothing(app, api):
    with app.app_context():
        before = {
            m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Resource, DataItem, AuditEvent, CodeSequence)
        }
    bad_item_late = resource_payload(
        items=[{"name": "姓名", "data_type": "C"}, {"name": "姓名", "data_type": "C"}]
    )
    assert api.as_("editor_a").post("/api/v1/resources", json=bad_item_late).status_code == 422
    unknown_system = resource_payload(system_ids=[424242])
    assert api.as_("editor_a").post("/api/v1/resources", json=unknown_system).status_code == 422
    with app.app_context():
        after = {
            m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Resource, DataItem, AuditEvent, CodeSequence)
        }
    assert after == before
    # and the sequence was not consumed: the next code is still the first
    body, _ = api.create_resource()
    assert body["code"].endswith("/000001")


def test_department_code_checksum(api):
    r = api.as_("admin").post(
        "/api/v1/departments", json={"code": "91350100M000100Y44", "name": "某局", "kind": "政府"}
    )
    body = assert_envelope(r, 422, "validation_failed")
    assert "校验位" in body["errors"]["code"][0]
    ok = api.as_("admin").post(
        "/api/v1/departments", json={"code": "91350100M000100Y43", "name": "某局", "kind": "政府"}
    )
    assert ok.status_code == 201


def test_local_department_code_pattern(database_url, tmp_path):
    from .conftest import make_app

    app = make_app(database_url, tmp_path, DEPARTMENT_CODE_PATTERN=r"ZJ\d{6}")
    from registry.services.departments import department_code_error

    assert department_code_error("ZJ123456", app.config["DEPARTMENT_CODE_PATTERN"]) is None
    assert department_code_error("ZJ12345", app.config["DEPARTMENT_CODE_PATTERN"]) is not None
