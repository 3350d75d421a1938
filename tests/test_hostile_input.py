"""Hostile and careless input: every answer a clear 4xx, nothing stored that should not be.

Each case here was a 500, a parse before authentication or an unbounded read before
the fix (issue #10)."""

from __future__ import annotations

import base64
import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from importers.writers import write_xlsx
from registry.db import db
from registry.models import AuditEvent, CatalogImport

from .conftest import make_app, rolled_back
from .helpers import build_world, resource_payload

HUGE = "9" * 25  # beyond 64 bits


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _upload(api, who, content: bytes, name: str):
    headers = {"Authorization": f"Bearer {api.world.tokens[who]}"} if who else {}
    return api.client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_refused_importers_leave_no_trace(app, api):
    before = (_count(app, CatalogImport), _count(app, AuditEvent))
    for who in ("auditor", "reviewer", "ndrc"):
        for content in (b"\x00\x01garbage", b"not,a,catalog\n1,2,3\n"):
            r = _upload(api, who, content, "目录.csv")
            assert r.status_code == 403, (who, r.get_json())
    assert _upload(api, None, b"x", "目录.csv").status_code == 401
    assert (_count(app, CatalogImport), _count(app, AuditEvent)) == before


@pytest.mark.parametrize("body", ["{not json", json.dumps({"name": 1}), json.dumps([1, 2])])
@pytest.mark.parametrize("url", ["/api/v1/resources", "/api/v1/systems", "/api/v1/flows"])
def test_anonymous_writes_are_401_before_the_body_is_read(api, url, body):
    r = api.client.post(url, data=body, content_type="application/json")
    assert r.status_code == 401 and r.get_json()["code"] == "unauthenticated"
    r = api.client.post(
        url,
        data=body,
        content_type="application/json",
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert r.status_code == 401 and r.get_json()["code"] == "invalid_token"


def test_body_limits(api):
    big = json.dumps({"name": "x" * (2**20 + 10)})
    r = api.as_("editor_a").client.post(
        "/api/v1/systems",
        data=big,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
    )
    assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"
    r = api.client.post("/api/v1/systems", data=big, content_type="application/json")
    assert r.status_code in (401, 413)  # refused either way, never parsed


def _workbook(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "信息资源"
    ws.append(["信息资源名称", "信息资源摘要"])
    for n in range(rows):
        ws.append([f"资源{n}", "摘要"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "limit, code",
    [
        ({"IMPORT_MAX_ROWS": 100}, "too_many_rows"),
        ({"IMPORT_MAX_UNPACKED_BYTES": 20_000}, "workbook_too_large"),
    ],
)
def test_workbook_bounds(database_url, tmp_path, limit, code):
    with rolled_back(make_app(database_url, tmp_path, **limit)) as app:
        world = build_world(app)
        r = app.test_client().post(
            "/api/v1/imports?dry_run=true",
            data={"file": (io.BytesIO(_workbook(500)), "大表.xlsx")},
            headers={"Authorization": f"Bearer {world.tokens['editor_a']}"},
            content_type="multipart/form-data",
        )
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["code"] == code
        assert r.get_json()["errors"]["problems"][0]["code"] == code


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/resources/{HUGE}",
        f"/api/v1/systems/{HUGE}",
        f"/api/v1/projects/{HUGE}",
        f"/api/v1/imports/{HUGE}",
        f"/api/v1/graph/resource/{HUGE}",
        f"/api/v1/resources/{HUGE}/items",
    ],
)
def test_huge_path_integers_are_not_found(api, url):
    assert api.as_("reviewer").get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        f"department_id={HUGE}",
        f"system_id={HUGE}",
        f"page={HUGE}",
        f"page_size={HUGE}",
        "page=-1",
    ],
)
def test_huge_query_integers_are_bad_queries(api, query):
    r = api.as_("reviewer").get(f"/api/v1/resources?{query}")
    assert r.status_code == 400, r.get_json()


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        _cursor(["relevance", [{"a": 1}]]),
        _cursor(["relevance", [2**80]]),
        _cursor(["relevance", "x"]),
        _cursor(["name", ["a"]]),
        _cursor(["relevance", [[1, 2]]]),
        _cursor(["relevance", ["\u0000"]]),
        _cursor(["relevance", list(range(50))]),
    ],
)
def test_crafted_search_cursors(api, cursor):
    r = api.as_("editor_a").get(f"/api/v1/search?q=人口&cursor={cursor}")
    assert r.status_code == 400, r.get_json()


@pytest.mark.parametrize("name", ["\ud800坏", "含\u0000字", "控制\u0007符"])
def test_unstorable_text_is_refused_by_field(api, name):
    body = json.dumps({"code": "SYS-X", "name": name, "deployment": "政务云"})
    r = api.as_("editor_a").client.post(
        "/api/v1/systems",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
    )
    assert r.status_code == 422 and "name" in r.get_json()["errors"]


def test_deeply_nested_json(api):
    body = "[" * 5000 + "]" * 5000
    r = api.as_("editor_a").client.post(
        "/api/v1/systems",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    "filename",
    ["..", "/", "a\u0000b.csv", "x" * 300 + ".csv", "../../etc/passwd", "目录\\..\\..\\x.csv"],
)
def test_upload_file_names(app, api, filename):
    text = io.StringIO()
    from importers.writers import write_csv

    write_csv([resource_payload()], text)
    r = _upload(api, "editor_a", text.getvalue().encode(), filename)
    assert r.status_code in (201, 422), r.get_json()
    stored = r.get_json().get("filename") or ""
    assert "/" not in stored and "\u0000" not in stored and len(stored) <= 200


def test_reasons_are_bounded_not_crashing(api):
    body, etag = api.create_resource()
    submitted = api.as_("editor_a").post(
        f"/api/v1/resources/{body['id']}/submit", json={}, etag=etag
    )
    etag = submitted.headers["ETag"]
    too_long = api.as_("reviewer").post(
        f"/api/v1/resources/{body['id']}/reject", json={"reason": "理" * 1001}, etag=etag
    )
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["errors"]
    ok = api.as_("reviewer").post(
        f"/api/v1/resources/{body['id']}/reject", json={"reason": "理" * 300}, etag=etag
    )
    assert ok.status_code == 200, ok.get_json()


def test_export_after_an_attempt_to_store_nul(app, api):
    api.create_resource(name="正常资源")
    r = api.as_("editor_a").post("/api/v1/resources", json=resource_payload(name="坏\u0000名"))
    assert r.status_code == 422
    assert api.as_("reviewer").get("/api/v1/exports?format=xlsx").status_code == 200


def test_browser_headers(api):
    for url in ("/", "/search?q=人口", "/api/v1/docs"):
        r = api.client.get(url)
        assert r.status_code == 200
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert "Server" not in r.headers
    assert api.client.get("/api/v1/openapi.json").headers["X-Content-Type-Options"] == "nosniff"


def test_tokens_list_revoke_expire_and_stay_dead(app, api, world):
    admin = api.as_("admin")
    uid = world.user_ids["editor_b"]
    listed = admin.get(f"/api/v1/users/{uid}/tokens").get_json()
    assert len(listed) == 1 and listed[0]["revoked_at"] is None and "token_hash" not in listed[0]
    short = admin.post(f"/api/v1/users/{uid}/tokens", json={"expires_in_days": 1}).get_json()[
        "token"
    ]
    assert (
        api.client.get("/api/v1/systems", headers={"Authorization": f"Bearer {short}"}).status_code
        == 200
    )
    from datetime import UTC, datetime

    import registry.services.users as users_svc

    real = users_svc.utcnow
    users_svc.utcnow = lambda: datetime(2099, 1, 1, tzinfo=UTC)
    try:  # a day later (and more): the short token is dead, the long one lives
        assert (
            api.client.get(
                "/api/v1/systems", headers={"Authorization": f"Bearer {short}"}
            ).status_code
            == 401
        )
        assert api.as_("editor_b").get("/api/v1/systems").status_code == 200
    finally:
        users_svc.utcnow = real
    r = admin.delete(f"/api/v1/users/{uid}/tokens/{listed[0]['id']}")
    assert r.status_code == 204
    assert api.as_("editor_b").get("/api/v1/systems").get_json()["code"] == "invalid_token"
    # deactivating kills every token; re-activating does not revive them
    user = admin.get(f"/api/v1/users/{uid}")
    off = admin.patch(f"/api/v1/users/{uid}", json={"active": False}, etag=user.headers["ETag"])
    on = admin.patch(f"/api/v1/users/{uid}", json={"active": True}, etag=off.headers["ETag"])
    assert on.status_code == 200
    assert (
        api.client.get("/api/v1/systems", headers={"Authorization": f"Bearer {short}"}).status_code
        == 401
    )
    assert all(t["revoked_at"] for t in admin.get(f"/api/v1/users/{uid}/tokens").get_json())
    assert api.as_("auditor").get(f"/api/v1/users/{uid}/tokens").status_code == 200
    assert api.as_("editor_a").get(f"/api/v1/users/{uid}/tokens").status_code == 403


def test_token_cli(app, api, world):
    runner = app.test_cli_runner()
    issued = runner.invoke(args=["token", "issue", "editor_a", "--expires-in-days", "30"])
    assert issued.exit_code == 0, issued.output
    listed = runner.invoke(args=["token", "list", "editor_a"])
    assert listed.exit_code == 0 and listed.output.count("有效") == 2
    token_id = listed.output.strip().splitlines()[-1].split("\t")[0]
    assert runner.invoke(args=["token", "revoke", token_id]).exit_code == 0
    assert "已撤销" in runner.invoke(args=["token", "list", "editor_a"]).output


@pytest.mark.parametrize("name", ["目录.zip", "目录", "目录.bin"])
def test_a_workbook_under_any_name_is_read_by_its_content(api, name):
    """Recognised by content, a workbook is read whatever its name (openpyxl alone refuses
    a path that does not end in .xlsx)."""
    r = _upload(api, "editor_a", _workbook(3), name)
    assert r.status_code == 422 and r.get_json()["errors"]["problems"], r.get_json()
    assert all(p["code"] != "corrupt_file" for p in r.get_json()["errors"]["problems"])
    buf = io.BytesIO()
    write_xlsx([resource_payload()], buf)
    assert _upload(api, "editor_a", buf.getvalue(), name).status_code == 201
