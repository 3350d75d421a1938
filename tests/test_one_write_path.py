"""One creation path: the API and the import take the same verdict on the same record,
and what they create looks the same (version, audit, outbox, items)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from importers.writers import write_json
from registry.db import db
from registry.models import AuditEvent, ResourceVersion

from .helpers import resource_payload


def _items(n: int) -> list[dict]:
    return [{"name": f"信息项{k}", "data_type": "字符型C", "length": 20} for k in range(n)]


CASES = {
    "valid database": ({}, True),
    "database without items": ({"items": None}, False),
    "spreadsheet with no items": (
        {"format_class": "电子表格", "format_detail": "xlsx", "items": []},
        False,
    ),
    "document without items": (
        {"format_class": "电子文件", "format_detail": "pdf", "items": None},
        True,
    ),
    "duplicate item names": ({"items": _items(2) + _items(1)}, False),
    "conditional share without condition": ({"share_condition": None}, False),
    "no sharing with a share method": (
        {"share_type": "不予共享", "share_condition": "《保密法》第九条"},
        False,
    ),
    "no sharing, legal basis": (
        {
            "share_type": "不予共享",
            "share_condition": "《保密法》第九条",
            "share_method_class": None,
            "share_method_platform": None,
        },
        True,
    ),
}


def _record(name: str, overrides: dict) -> dict:
    record = resource_payload(name=name, items=_items(3))
    for key, value in overrides.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def _via_api(api, record):
    r = api.as_("editor_a").post("/api/v1/resources", json=record)
    return r.status_code == 201, r


def _via_import(api, record):
    text = io.StringIO()
    write_json([record], text)
    r = api.as_("editor_a").client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(text.getvalue().encode()), "目录.json")},
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
        content_type="multipart/form-data",
    )
    return r.status_code == 201, r


@pytest.mark.parametrize("case", CASES)
def test_both_doors_take_the_same_verdict(api, case):
    overrides, expected = CASES[case]
    by_api, r_api = _via_api(api, _record(f"接口登记-{case}", overrides))
    by_import, r_import = _via_import(api, _record(f"导入登记-{case}", overrides))
    assert (by_api, by_import) == (expected, expected), (r_api.get_json(), r_import.get_json())
    if not expected:
        # the same rule speaks in both answers, in the same words; the import locates it
        api_messages = {m for ms in r_api.get_json()["errors"].values() for m in ms}
        problems = r_import.get_json()["errors"]["problems"]
        assert any(m in p["message"] for m in api_messages for p in problems)
        assert all(p["row"] for p in problems)


def test_both_doors_create_the_same_record(app, api):
    _, r_api = _via_api(api, _record("同一资源", {}))
    created = r_api.get_json()
    ok, r_import = _via_import(api, _record("同一资源导入", {}))
    assert ok, r_import.get_json()
    listed = api.as_("editor_a").get("/api/v1/resources?q=同一资源导入").get_json()
    (imported,) = listed
    with app.app_context():
        s = db.session
        for body in (created, imported):
            version = s.scalar(
                select(ResourceVersion).where(ResourceVersion.resource_id == body["id"])
            )
            assert version.version == 1 and version.action == "create" and version.status == "draft"
            assert [i["name"] for i in version.snapshot["items"]] == [
                "信息项0",
                "信息项1",
                "信息项2",
            ]
            assert set(version.snapshot) == set(
                s.scalar(
                    select(ResourceVersion).where(ResourceVersion.resource_id == created["id"])
                ).snapshot
            )
            assert s.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.action == "resource.create", AuditEvent.subject_id == str(body["id"])
                )
            )
    for key in ("status", "item_count", "version", "share_type", "classification_code"):
        assert created[key] == imported[key], key
    assert created["code"][:7] == imported["code"][:7] and created["code"] != imported["code"]
    found = api.as_("editor_a").get("/api/v1/search?q=同一资源").get_json()
    assert {h["id"] for h in found["hits"]} >= {created["id"], imported["id"]}
