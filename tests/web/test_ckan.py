"""The CKAN Action API (issue #16), read by the real ckanapi, command line and package,
and by a harvest cycle as ckanext-harvest's CKAN harvester runs it, on SQLite and
PostgreSQL: the demo county's public entries, exactly; a private draft never; an entry
not open to the public only to a signed-in caller who asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ckanapi
import pytest
from sqlalchemy import select, update

from registry.authz import Actor
from registry.db import db
from registry.models import Resource
from registry.services import ckan as svc
from registry.services.exports import export_records

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))


def _cli(*args: str) -> str:
    # dump starts its workers as "ckanapi" from PATH: the virtualenv's.
    env = {**os.environ, "PATH": f"{Path(CKANAPI).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [CKANAPI, *args], capture_output=True, text=True, timeout=300, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _public_codes(app) -> list[str]:
    with app.app_context():
        return sorted(r["code"] for r in export_records(db.session, Actor.anonymous(), app.config))


def test_ckanapi_lists_searches_and_dumps_what_the_public_may_see(county, tmp_path):
    app, api = county["app"], county["api"]
    public = _public_codes(app)
    assert len(public) > 100
    names = {svc.package_name(c) for c in public}
    base = county["base"]
    listed = json.loads(_cli("action", "package_list", "-r", base))
    assert sorted(listed) == sorted(names)

    # search datasets q=人口: what /api/v1/search finds for the same query, every page
    found = [json.loads(x) for x in _cli("search", "datasets", "q=人口", "-r", base).splitlines()]
    ours, cursor = [], None
    while True:
        page = (
            api.as_(None)
            .get(
                "/api/v1/search",
                query_string={
                    "q": "人口",
                    "limit": 100,
                    **({"cursor": cursor} if cursor else {}),
                },
            )
            .get_json()
        )
        ours += [h["code"] for h in page["hits"] if h["status"] == "published"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert found and sorted(p["extras"][0]["value"] for p in found) == sorted(ours)
    assert all(p["name"] in names for p in found)

    # dump datasets --all: every visible entry, as JSON lines, matching our own export
    out = tmp_path / "dump.jsonl"
    _cli("dump", "datasets", "--all", "-r", base, "-O", str(out))
    dumped = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    with app.app_context():
        export = {r["code"]: r for r in export_records(db.session, Actor.anonymous(), app.config)}
    assert sorted(p["name"] for p in dumped) == sorted(names)
    for p in dumped:
        code = next(e["value"] for e in p["extras"] if e["key"] == "信息资源代码")
        record = export[code]
        assert p["title"] == record["name"] and p["notes"] == record["summary"]
        assert p["organization"]["title"] == record["provider_name"]
        assert [f["id"] for f in p["data_dictionary"]] == [i["name"] for i in record["items"]]
        assert not p["private"]

    # the private draft and the closed entry: never to the public
    for hidden in (county["draft"], county["closed"]):
        code = hidden["code"] if hidden.get("code") else None
        assert not any(p["title"] == hidden["name"] for p in dumped + found)
        if code:
            assert svc.package_name(code) not in listed


def test_private_entries_only_to_a_signed_in_caller_who_asks(site, county):
    closed, base, world = county["closed"], county["base"], site.world
    anonymous = ckanapi.RemoteCKAN(base)
    signed_in = ckanapi.RemoteCKAN(base, apikey=world.tokens["ndrc"])
    name = svc.package_name(closed["code"])
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id=name)
    assert signed_in.action.package_show(id=name)["private"] is True
    assert signed_in.action.package_show(id=closed["code"])["title"] == closed["name"]
    q = {"q": "人口内部共享名册", "rows": 50}
    assert anonymous.action.package_search(**q)["count"] == 0
    assert signed_in.action.package_search(**q)["count"] == 0  # not asked for
    hits = signed_in.action.package_search(include_private=True, **q)["results"]
    assert [h["name"] for h in hits] == [name]
    assert name not in signed_in.action.package_list()  # package_list: public only
    # the draft: not even to its own department, whatever it asks
    editor = ckanapi.RemoteCKAN(base, apikey=world.tokens["editor_a"])
    draft = editor.action.package_search(q="人口私有草稿", include_private=True)
    assert draft["count"] == 0
    with pytest.raises(ckanapi.NotFound):
        editor.action.package_show(id=str(county["draft"]["id"]))
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(base, apikey="not-a-token").action.package_list()


def test_a_harvest_cycle_as_the_ckan_harvester_runs_it(county):
    """Gather everything by package_search sorted by id, 100 a page, until a page comes
    back empty; then, after a change, only what changed since, by metadata_modified."""
    app = county["app"]
    client = app.test_client()

    def gather(fq: str | None) -> list[dict]:
        params, found, seen = {"rows": "100", "start": "0", "sort": "id asc"}, [], set()
        if fq:
            params["fq"] = fq
        while True:
            r = client.get("/api/action/package_search", query_string=params)
            assert r.status_code == 200, r.get_json()
            page = r.get_json()["result"]["results"]
            found += [p for p in page if p["id"] not in seen]
            seen |= {p["id"] for p in page}
            if not page:
                return found
            params["start"] = str(int(params["start"]) + 100)

    first = gather(None)
    public = _public_codes(app)
    assert sorted(svc.package_name(c) for c in public) == sorted(p["name"] for p in first)
    assert len({p["id"] for p in first}) == len(first)

    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    with app.app_context():
        touched = db.session.scalar(select(Resource.id).where(Resource.code == public[3]))
        db.session.execute(
            update(Resource)
            .where(Resource.status == "published")
            .values(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
        db.session.execute(
            update(Resource).where(Resource.id == touched).values(updated_at=datetime.now(UTC))
        )
        db.session.commit()
    changed = gather(f"metadata_modified:[{since.isoformat()}Z TO *]")
    assert [p["name"] for p in changed] == [svc.package_name(public[3])]

    # organization filters as the harvester writes them (include, exclude)
    org = first[0]["organization"]["name"]
    mine = gather(f"organization:{org}")
    assert mine and all(p["organization"]["name"] == org for p in mine)
    others = gather(f"-organization:{org}")
    assert len(mine) + len(others) == len(first)


def test_ckan_shapes_and_errors(county):
    client = county["app"].test_client()
    status = client.get("/api/3/action/status_show").get_json()
    assert status["success"] and status["result"]["ckan_version"].startswith("2.")
    r = client.post(
        "/api/action/package_search", json={"rows": 2, "facet.field": ["organization", "groups"]}
    )
    result = r.get_json()["result"]
    assert len(result["results"]) == 2 and result["search_facets"]["groups"]["items"]
    assert (
        sum(i["count"] for i in result["search_facets"]["organization"]["items"]) <= result["count"]
    )
    orgs = client.get("/api/action/organization_list?all_fields=true").get_json()["result"]
    assert all({"name", "title", "package_count"} <= set(o) for o in orgs)
    one = client.get(f"/api/action/organization_show?id={orgs[0]['name']}").get_json()
    assert one["result"]["title"] == orgs[0]["title"]
    group = client.get("/api/action/group_show?id=101").get_json()["result"]
    assert group["title"] == "人口"
    pkg = result["results"][0]
    if pkg["resources"]:
        res = client.get(f"/api/action/resource_show?id={pkg['resources'][0]['id']}").get_json()
        assert res["result"]["package_id"] == pkg["id"]
    assert (
        client.get(f"/api/action/package_show?id={pkg['id']}").get_json()["result"]["name"]
        == pkg["name"]
    )
    for path, status_code, kind in (
        ("/api/action/nope", 400, None),
        ("/api/action/package_show?id=missing", 404, "Not Found Error"),
        ("/api/action/package_search?fq=colour:blue", 400, "Search Query Error"),
        ("/api/action/package_search?rows=5000", 400, "Search Query Error"),
        ("/api/action/package_search?sort=colour%20asc", 400, "Search Query Error"),
    ):
        r = client.get(path)
        body = r.get_json()
        assert r.status_code == status_code and body["success"] is False, path
        assert kind is None or body["error"]["__type"] == kind
