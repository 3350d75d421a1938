"""The demo county: deterministic, valid by the catalog standard, planted cases as answered."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import func, select

from catalog_schemas import ResourceSchema
from catalog_schemas.elements import BY_IDENTIFIER
from registry.db import db
from registry.demo import load_demo
from registry.demo.generate import CountyBuilder, IdAllocator, new_answers
from registry.models import DataItem, Department, InformationSystem, Resource, resource_systems
from registry.services.resources import CATALOG_FIELDS, item_snapshot


def _load(app, scale="county"):
    with app.app_context():
        result = load_demo(db.session, scale=scale)
        db.session.commit()
    return result


def test_generation_is_deterministic():
    def build():
        answers = new_answers("county")
        batch = CountyBuilder(0, IdAllocator(), {}, answers).build()
        return json.dumps(batch.rows, default=str, sort_keys=True), json.dumps(
            answers, sort_keys=True
        )

    assert build() == build()


def test_county_scale_and_answers(app, api):
    result = _load(app)
    c = result.counts
    assert c["departments"] == 60
    assert 140 <= c["systems"] <= 160
    assert c["resources"] == 1200
    assert 24_000 <= c["data_items"] <= 26_000
    a = result.answers
    assert len(a["duplicate_collection"]) >= 3 and len(a["scope_overlap"]) == 2
    with app.app_context():
        s = db.session
        items = s.execute(
            select(
                DataItem.name,
                DataItem.collection_mode,
                Resource.code,
                Resource.provider_department_id,
                InformationSystem.code,
            )
            .join(Resource, DataItem.resource_id == Resource.id)
            .join(resource_systems, resource_systems.c.resource_id == Resource.id)
            .join(InformationSystem, InformationSystem.id == resource_systems.c.system_id)
        ).all()
        names_to_ident = {
            n: e.identifier for e in BY_IDENTIFIER.values() for n in (e.name, *e.synonyms)
        }
        collected = defaultdict(set)
        for name, mode, rcode, _dept, scode in items:
            ident = names_to_ident.get(name)
            if ident and BY_IDENTIFIER[ident].source and mode == "collected":
                collected[ident].add((scode, rcode))
        # Every planted case is in the database, and nothing else collects sourced elements
        # except their authoritative base resources.
        for case in a["duplicate_collection"]:
            planted = {(e["system"], e["resource"]) for e in case["collected_by"]}
            auth = (case["authoritative"]["system"], case["authoritative"]["resource"])
            assert planted | {auth} == collected.pop(case["element"])
        for ident, where in collected.items():
            assert len(where) == 1, (ident, where)
        not_in_catalog = set(
            s.scalars(select(InformationSystem.code).where(~InformationSystem.in_system_catalog))
        )
        assert not_in_catalog == set(a["not_in_system_catalog"])
    r = api.as_("ndrc").get("/api/v1/resources?page_size=10&classification=1")
    assert r.status_code == 200
    assert len(r.get_json()) == 5  # the five base resources (类 1)


def test_demo_resources_satisfy_the_catalog_standard(app):
    _load(app)
    schema = ResourceSchema()
    with app.app_context():
        for res in db.session.scalars(select(Resource)):
            data = {f: getattr(res, f) for f in CATALOG_FIELDS}
            data["publish_date"] = res.publish_date.isoformat()
            data["items"] = [
                {k: v for k, v in item_snapshot(i).items() if v is not None} for i in res.items
            ]
            data = {k: v for k, v in data.items() if v is not None}
            errors = schema.validate(data)
            assert errors == {}, (res.code, errors)
            names = [i.name for i in res.items]
            assert len(names) == len(set(names)), res.code


def test_new_records_after_demo_do_not_collide(app, api):
    _load(app)
    body, _ = api.create_resource(classification_code="101001")
    assert body["code"] == "101001/000002"  # the demo used 000001 for 人口基础信息
    r = api.as_("admin").post(
        "/api/v1/departments",
        json={"code": "91350100M000100Y43", "name": "新设单位", "kind": "政府"},
    )
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Department)) == 63


def test_if_empty_skips_and_reload_is_refused(app):
    with app.app_context():
        assert load_demo(db.session, scale="county", if_empty=True) is not None
        assert load_demo(db.session, scale="county", if_empty=True) is None
        from registry.errors import Conflict

        try:
            load_demo(db.session, scale="county")
        except Conflict as exc:
            assert exc.code == "demo_already_loaded"
        else:
            raise AssertionError("second load was not refused")
        db.session.rollback()
