"""What the catalog says about an entry to reusers (licence, contact point, keywords, last
change, landing page): set per department, the same in every export, the API and CKAN."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
from sqlalchemy import select

from registry.authz import Actor
from registry.db import db
from registry.models import DataItem, Department, Resource
from registry.services.elements import sync_dictionary
from registry.services.matching import match_items


def _publish(api, **overrides) -> dict:
    body, etag = api.create_resource(**overrides)
    r = api.as_("editor_a").post(f"/api/v1/resources/{body['id']}/submit", etag=etag)
    assert r.status_code == 200, r.get_json()
    r = api.as_("reviewer").post(f"/api/v1/resources/{body['id']}/publish", etag=r.headers["ETag"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _set(api, who: str, dept_id: int, changes: dict):
    etag = api.as_("admin").get(f"/api/v1/departments/{dept_id}").headers["ETag"]
    return api.as_(who).patch(f"/api/v1/departments/{dept_id}", json=changes, etag=etag)


SETTINGS = {
    "licence_id": "cc-by-4.0",
    "contact_name": "数据管理科 王敏",
    "contact_email": "data@gaj.example.gov.cn",
    "contact_phone": "0571-88880000",
    "landing_page": "https://gaj.example.gov.cn/data/{id}?code={code}",
}


def test_defaults_when_the_department_sets_nothing(app, api):
    entry = _publish(api)
    p = api.as_("editor_a").get(f"/api/v1/resources/{entry['id']}").get_json()["publication"]
    assert p["licence_id"] == app.config["CATALOG_LICENSE"]
    assert p["licence_title"] == app.config["CATALOG_LICENSES"]["gov-data-sharing"]["title"]
    assert p["contact_name"] == app.config["CATALOG_CONTACT"]["name"]
    assert p["landing_page"] == f"{app.config['PUBLIC_BASE_URL']}/resources/{entry['id']}"
    assert p["keywords"][:2] == ["基础信息资源", "人口"]
    assert p["modified"].startswith(entry["updated_at"][:19])


def test_a_department_sets_its_own_and_every_door_says_the_same(app, api):
    r = _set(api, "editor_a", api.world.dept_a, SETTINGS)
    assert r.status_code == 200, r.get_json()
    assert {k: r.get_json()[k] for k in SETTINGS} == SETTINGS
    entry = _publish(api)
    landing = f"https://gaj.example.gov.cn/data/{entry['id']}?code={entry['code']}"
    expected = {
        "licence_id": "cc-by-4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "contact_name": "数据管理科 王敏",
        "contact_email": "data@gaj.example.gov.cn",
        "contact_phone": "0571-88880000",
        "landing_page": landing,
    }
    api_view = api.as_("editor_a").get(f"/api/v1/resources/{entry['id']}").get_json()
    assert {k: api_view["publication"][k] for k in expected} == expected

    exported = api.as_("editor_a").get("/api/v1/exports?format=json").get_json()["resources"]
    (record,) = [x for x in exported if x["code"] == entry["code"]]
    assert {k: record[k] for k in expected} == expected
    assert record["keywords"] == api_view["publication"]["keywords"]
    assert record["modified"] == api_view["publication"]["modified"]

    text = api.as_("editor_a").get("/api/v1/exports?format=csv").data.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["信息资源代码"] == entry["code"]]
    assert rows and {
        (row["许可协议"], row["联系人"], row["联系人电话"], row["联系人邮箱"], row["资源页面"])
        for row in rows
    } == {
        (
            app.config["CATALOG_LICENSES"]["cc-by-4.0"]["title"],
            "数据管理科 王敏",
            "0571-88880000",
            "data@gaj.example.gov.cn",
            landing,
        )
    }
    assert rows[0]["关键词"].split(";")[:2] == ["基础信息资源", "人口"]

    wb = openpyxl.load_workbook(io.BytesIO(api.as_("editor_a").get("/api/v1/exports").data))
    sheet = wb["信息资源"]
    header = [c.value for c in sheet[1]]
    values = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    (row,) = [v for v in values if v["信息资源代码"] == entry["code"]]
    assert (row["联系人"], row["资源页面"], row["最后修改时间"]) == (
        "数据管理科 王敏",
        landing,
        record["modified"],
    )

    package = api.as_("editor_a").get(
        f"/api/3/action/package_show?id={entry['code']}&include_private=true"
    )
    package = package.get_json()["result"]
    assert (package["license_id"], package["license_url"], package["url"]) == (
        "cc-by-4.0",
        expected["licence_url"],
        landing,
    )
    assert (package["maintainer"], package["maintainer_email"]) == (
        "数据管理科 王敏",
        "data@gaj.example.gov.cn",
    )
    assert sorted(t["name"] for t in package["tags"]) == sorted(record["keywords"])


def test_exports_with_publication_columns_import_back_unchanged(app, api):
    _set(api, "editor_a", api.world.dept_a, SETTINGS)
    for n in range(2):
        api.create_resource(name=f"带发布信息的资源{n}")
    for fmt in ("xlsx", "csv", "json"):
        r = api.as_("editor_a").get(
            f"/api/v1/exports?format={fmt}&department_id={api.world.dept_a}"
        )
        back = api.as_("editor_a").client.post(
            "/api/v1/imports",
            data={"file": (io.BytesIO(r.data), f"导出.{fmt}")},
            headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
            content_type="multipart/form-data",
        )
        counts = back.get_json()["counts"]["resources"]
        assert counts == {"create": 0, "update": 0, "unchanged": 2}, (fmt, back.get_json())


def test_keywords_include_the_data_elements_matched(app, api):
    entry = _publish(api)
    with app.app_context():
        sync_dictionary(db.session, Actor.system("test"))
        match_items(db.session, Actor.system("test"), threshold=0.8)
        matched = db.session.scalars(
            select(DataItem).where(
                DataItem.resource_id == entry["id"], DataItem.element_id.is_not(None)
            )
        ).all()
        db.session.commit()
        assert matched, "the dictionary has 公民身份号码"
        names = {i.element_id for i in matched}
    exported = api.as_("editor_a").get("/api/v1/exports?format=json").get_json()["resources"]
    (record,) = [x for x in exported if x["code"] == entry["code"]]
    assert "公民身份号码" in record["keywords"] and len(names) >= 1


def test_editors_set_only_their_own_publication_settings(app, api):
    rename = _set(api, "editor_a", api.world.dept_a, {"name": "县公安分局"})
    assert rename.status_code == 403
    assert rename.get_json()["code"] == "field_not_editable"
    assert "name" in rename.get_json()["errors"]
    other = _set(api, "editor_a", api.world.dept_b, {"contact_name": "冒名者"})
    assert (other.status_code, other.get_json()["code"]) == (403, "other_department")
    with app.app_context():
        b = db.session.get(Department, api.world.dept_b)
        a = db.session.get(Department, api.world.dept_a)
        assert (a.name, b.contact_name) == ("县公安局", None)


def test_bad_settings_are_refused_by_field(app, api):
    for changes, field in (
        ({"licence_id": "wtfpl"}, "licence_id"),
        ({"landing_page": "ftp://gaj.example/{code}"}, "landing_page"),
        ({"landing_page": "https://gaj.example/{name}"}, "landing_page"),
        ({"landing_page": "https://gaj.example/{code"}, "landing_page"),
        ({"contact_email": "不是邮箱"}, "contact_email"),
    ):
        r = _set(api, "editor_a", api.world.dept_a, changes)
        assert r.status_code == 422, (changes, r.get_json())
        assert field in r.get_json()["errors"] or field in json.dumps(r.get_json()), changes
    with app.app_context():
        a = db.session.get(Department, api.world.dept_a)
        assert (a.licence_id, a.landing_page, a.contact_email) == (None, None, None)
        assert db.session.scalar(select(Resource.id).limit(1)) is None
