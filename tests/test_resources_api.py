"""The catalog API: codes, patch semantics, ETags, items, workflow, history, visibility, lists."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from registry.db import Database

from .factories import published
from .helpers import resource_payload


def test_code_is_classification_plus_sequence(api):
    a, _ = api.create_resource(classification_code="101001")
    b, _ = api.create_resource(classification_code="101001")
    c, _ = api.create_resource(classification_code="203001")
    assert a["code"] == "101001/000001"
    assert b["code"] == "101001/000002"
    assert c["code"] == "203001/000001"
    assert a["classification_path"] == ["基础信息资源", "人口"]


def test_codes_are_never_reused_after_retirement(api):
    body, etag = api.create_resource()
    rid = body["id"]
    for who, action, reason in (
        ("editor_a", "submit", None),
        ("reviewer", "publish", None),
        ("reviewer", "retire", "数据已并入人口库"),
    ):
        r = api.as_(who).post(
            f"/api/v1/resources/{rid}/{action}", json={"reason": reason}, etag=etag
        )
        assert r.status_code == 200, r.get_json()
        etag = r.headers["ETag"]
    again, _ = api.create_resource()
    assert again["code"] != body["code"]
    assert int(again["code"].split("/")[1]) > int(body["code"].split("/")[1])


def test_patch_keeps_omitted_fields(api):
    body, etag = api.create_resource()
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{body['id']}", json={"summary": "新摘要"}, etag=etag
    )
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    assert after["summary"] == "新摘要"
    for key in (
        "name",
        "share_condition",
        "format_detail",
        "update_cycle",
        "publish_date",
        "item_count",
    ):
        assert after[key] == body[key]
    assert after["version"] == body["version"] + 1
    items = api.as_("editor_a").get(f"/api/v1/resources/{body['id']}/items").get_json()
    assert [i["name"] for i in items] == ["公民身份号码", "姓名", "出生日期"]


def test_patch_checks_rules_on_the_merged_record(api):
    body, etag = api.create_resource()
    # Switching to 不予共享 while a share method is still stored violates the standard.
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{body['id']}",
        json={"share_type": "不予共享", "share_condition": "《统计法》第九条"},
        etag=etag,
    )
    assert r.status_code == 422
    assert "share_method_class" in r.get_json()["errors"]
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{body['id']}",
        json={
            "share_type": "不予共享",
            "share_condition": "《统计法》第九条",
            "share_method_class": None,
            "share_method_platform": None,
        },
        etag=etag,
    )
    assert r.status_code == 200, r.get_json()


def test_stale_and_missing_if_match(api):
    body, etag = api.create_resource()
    url = f"/api/v1/resources/{body['id']}"
    r = api.as_("editor_a").patch(url, json={"summary": "一"})
    assert r.status_code == 428 and r.get_json()["code"] == "precondition_required"
    assert api.as_("editor_a").patch(url, json={"summary": "一"}, etag=etag).status_code == 200
    r = api.as_("editor_a").patch(url, json={"summary": "二"}, etag=etag)
    assert r.status_code == 412 and r.get_json()["code"] == "precondition_failed"
    assert api.as_("editor_a").get(url).get_json()["summary"] == "一"
    assert api.as_("editor_a").patch(url, json={"summary": "二"}, etag='W/"x"').status_code == 412


def test_get_returns_etag_matching_version(api):
    body, etag = api.create_resource()
    r = api.as_("editor_a").get(f"/api/v1/resources/{body['id']}")
    assert r.headers["ETag"] == etag == f'"{body["version"]}"'


def test_items_replace_and_append(api):
    body, etag = api.create_resource()
    url = f"/api/v1/resources/{body['id']}/items"
    r = api.as_("editor_a").put(
        url,
        json={"items": [{"name": "统一社会信用代码", "data_type": "C", "length": 18}]},
        etag=etag,
    )
    assert r.status_code == 200, r.get_json()
    r = api.as_("editor_a").post(
        url, json={"name": "单位名称", "data_type": "字符串型C"}, etag=r.headers["ETag"]
    )
    assert r.status_code == 201
    assert [(i["name"], i["data_type"]) for i in r.get_json()] == [
        ("统一社会信用代码", "字符型C"),
        ("单位名称", "字符型C"),
    ]
    res = api.as_("editor_a").get(f"/api/v1/resources/{body['id']}").get_json()
    assert res["item_count"] == 2


def test_duplicate_item_names_rejected(api):
    r = api.as_("editor_a").post(
        "/api/v1/resources",
        json=resource_payload(
            items=[{"name": "姓名", "data_type": "C"}, {"name": "姓名", "data_type": "C"}]
        ),
    )
    assert r.status_code == 422
    assert "items.1.name" in r.get_json()["errors"]


def test_database_resources_need_items(api):
    r = api.as_("editor_a").post("/api/v1/resources", json=resource_payload(items=[]))
    assert r.status_code == 422 and "items" in r.get_json()["errors"]
    r = api.as_("editor_a").post(
        "/api/v1/resources", json={k: v for k, v in resource_payload().items() if k != "items"}
    )
    assert r.status_code == 422 and "items" in r.get_json()["errors"]
    ok = api.as_("editor_a").post(
        "/api/v1/resources",
        json=resource_payload(format_class="电子文件", format_detail="pdf", items=[]),
    )
    assert ok.status_code == 201, ok.get_json()


def test_workflow_transitions_and_reasons(api):
    body, etag = api.create_resource()
    rid = body["id"]
    r = api.as_("reviewer").post(f"/api/v1/resources/{rid}/publish", json={}, etag=etag)
    assert r.status_code == 409 and r.get_json()["code"] == "invalid_transition"
    etag = (
        api.as_("editor_a")
        .post(f"/api/v1/resources/{rid}/submit", json={}, etag=etag)
        .headers["ETag"]
    )
    # submitted entries are frozen under review
    r = api.as_("editor_a").patch(f"/api/v1/resources/{rid}", json={"summary": "x"}, etag=etag)
    assert r.status_code == 409 and r.get_json()["code"] == "not_editable"
    r = api.as_("reviewer").post(f"/api/v1/resources/{rid}/reject", json={}, etag=etag)
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = api.as_("reviewer").post(
        f"/api/v1/resources/{rid}/reject", json={"reason": "摘要过简"}, etag=etag
    )
    assert r.status_code == 200 and r.get_json()["status"] == "draft"


def test_version_history_has_field_level_diff(api):
    body, etag = api.create_resource()
    rid = body["id"]
    r = api.as_("editor_a").patch(
        f"/api/v1/resources/{rid}",
        json={
            "summary": "新摘要",
            "items": [
                {"name": "公民身份号码", "data_type": "C", "length": 20},
                {"name": "性别", "data_type": "C"},
            ],
        },
        etag=etag,
    )
    etag = r.headers["ETag"]
    api.as_("editor_a").post(f"/api/v1/resources/{rid}/submit", json={}, etag=etag)
    versions = api.as_("editor_a").get(f"/api/v1/resources/{rid}/versions").get_json()
    assert [v["action"] for v in versions] == ["create", "update", "submit"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    update = versions[1]["diff"]
    assert update["fields"] == {"summary": {"old": "全县户籍人口基础信息", "new": "新摘要"}}
    assert update["items"]["added"] == ["性别"]
    assert sorted(update["items"]["removed"]) == ["出生日期", "姓名"]
    assert update["items"]["changed"] == {"公民身份号码": {"length": {"old": 18, "new": 20}}}
    assert versions[2]["diff"]["fields"] == {"status": {"old": "draft", "new": "submitted"}}
    assert versions[2]["actor_id"] is not None


def test_visibility(api):
    open_pub = published(api, open_type="无条件开放")["id"]
    closed_pub = published(api, open_type="不予开放")["id"]
    draft_a, _ = api.create_resource(who="editor_a")
    draft_b, _ = api.create_resource(who="editor_b")

    def ids(who):
        r = api.as_(who).get("/api/v1/resources?page_size=100")
        assert r.status_code == 200
        return {x["id"] for x in r.get_json()}

    assert ids(None) == {open_pub}
    assert ids("ndrc") == {open_pub, closed_pub}
    assert ids("editor_a") == {open_pub, closed_pub, draft_a["id"]}
    assert ids("editor_b") == {open_pub, closed_pub, draft_b["id"]}
    every = {open_pub, closed_pub, draft_a["id"], draft_b["id"]}
    for who in ("reviewer", "auditor", "admin"):
        assert ids(who) == every
    assert api.as_(None).get(f"/api/v1/resources/{closed_pub}").status_code == 404
    assert api.as_("editor_b").get(f"/api/v1/resources/{draft_a['id']}").status_code == 404
    assert api.as_("editor_b").get(f"/api/v1/resources/{draft_a['id']}/items").status_code == 404


def test_list_filters_sort_and_pages(api):
    for n, (cls, cycle) in enumerate([("101001", "每日"), ("102001", "每月"), ("101002", "每日")]):
        api.create_resource(classification_code=cls, update_cycle=cycle, name=f"资源{n}")
    get = lambda q: api.as_("admin").get("/api/v1/resources" + q)  # noqa: E731
    assert [x["name"] for x in get("?classification=101&sort=name").get_json()] == [
        "资源0",
        "资源2",
    ]
    assert [x["name"] for x in get("?update_cycle=每月").get_json()] == ["资源1"]
    assert [x["name"] for x in get("?sort=-name").get_json()] == ["资源2", "资源1", "资源0"]
    r = get("?page=2&page_size=2&sort=name")
    assert [x["name"] for x in r.get_json()] == ["资源2"]
    import json

    meta = json.loads(r.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["total_pages"] == 2
    bad = get("?sort=summary")
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_query"
    bad = get("?page_size=abc")
    assert bad.status_code == 400 and "page_size" in bad.get_json()["errors"]


def test_list_query_count_does_not_grow_with_page_size(app, api):
    for n in range(12):
        api.create_resource(name=f"资源{n}", system_ids=[])
    engine = Database.state(app).engine
    counts = []
    for size in (2, 12):
        statements: list[str] = []

        def count(conn, cursor, statement, *args, _seen=statements):
            _seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            r = api.as_("admin").get(f"/api/v1/resources?page_size={size}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert r.status_code == 200 and len(r.get_json()) == size
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("who", ["editor_a", "admin"])
def test_provider_defaults_and_cannot_change(api, who):
    payload = resource_payload()
    if who == "admin":
        payload["provider_code"] = api.world.dept_a_code
    r = api.as_(who).post("/api/v1/resources", json=payload)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["provider_code"] == api.world.dept_a_code and body["provider_name"] == "县公安局"
    r = api.as_(who).patch(
        f"/api/v1/resources/{body['id']}",
        json={"provider_code": api.world.dept_b_code},
        etag=r.headers["ETag"],
    )
    assert r.status_code in (403, 409)
