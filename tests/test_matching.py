"""Matching data items to data elements: measured on the labelled set, traps, review queue."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog_schemas.elements import ELEMENTS
from catalog_schemas.matching import Matcher, normalise
from registry.db import db
from registry.models import AuditEvent, DataItem
from registry.services import elements as element_service
from registry.services.matching import match_items

from .helpers import SYSTEM

DATA = Path(__file__).parent / "data"


def _precision_recall(path: Path) -> tuple[int, float, float]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    matcher = Matcher(ELEMENTS)
    tp = fp = fn = 0
    for r in rows:
        m = matcher.match(
            r["name"],
            data_type=r["data_type"],
            length=int(r["length"]) if r["length"] else None,
            description=r["description"],
        )
        predicted = m.identifier if m.accepted() else None
        truth = r["element"] or None
        tp += predicted is not None and predicted == truth
        fp += predicted is not None and predicted != truth
        fn += truth is not None and predicted != truth
    return len(rows), tp / (tp + fp), tp / (tp + fn)


@pytest.mark.parametrize(
    "name, at_least",
    [
        ("labelled_items.csv", 500),  # round 1, written with the matcher
        ("labelled_items_round2.csv", 300),  # round 2 (#15): other styles, labelled first
    ],
)
def test_labelled_set_precision_and_recall(name, at_least):
    """The goals of issue #15 part 4 on each set: precision ≥ 0.95, recall ≥ 0.90."""
    rows, precision, recall = _precision_recall(DATA / name)
    print(f"\nmatching on {rows} labelled items of {name}: P {precision:.3f}, R {recall:.3f}")
    assert rows >= at_least
    assert precision >= 0.95, precision
    assert recall >= 0.90, recall


def test_traditional_characters_endings_and_sound_typos():
    m = Matcher(ELEMENTS)
    assert m.match("身份證號碼").identifier == "GMSFHM"  # traditional
    assert m.match("社保卡编号").identifier == "SBKH"  # 编号 for 号
    assert m.match("民族名称").identifier == "MZ"  # 名称 dropped
    assert m.match("发证时间").identifier == "FZRQ"  # 时间 for 日期
    assert m.match("申请人住址").identifier != "SQR"  # an address is not the applicant
    typo = m.match("国藉")  # 藉 typed for 籍: the same sound
    assert typo.identifier == "GJ" and typo.method == "typo" and typo.accepted()
    assert m.match("国际").identifier != "GJ"  # another sound is not a typo of 国籍


def test_traps():
    m = Matcher(ELEMENTS)
    assert m.match("证件号码").identifier == "ZJHM"
    assert m.match("证件号码", description="居民身份证号码").identifier == "GMSFHM"
    assert m.match("组织机构代码", length=9).identifier == "ZZJGDM"
    tricky = m.match("组织机构代码", length=18)  # an 18-long column is really the credit code
    assert tricky.identifier == "TYSHXYDM" and not tricky.accepted()
    assert m.match("统一社会信用代码", length=9).identifier == "ZZJGDM"
    assert m.match("身份证号", length=10).confidence < 0.8  # too short to hold the element


def test_order_declared_then_decision_then_name():
    m = Matcher(ELEMENTS, decisions={normalise("人员编号"): "XM", normalise("姓名"): None})
    assert m.match("随便", declared="gmsfhm").identifier == "GMSFHM"
    assert m.match("人员编号").method == "decision"
    assert m.match("姓名").identifier is None  # a remembered "no element" beats the dictionary
    assert (
        m.match("ＧＭＳＦＨＭ").identifier != "GMSFHM"
        or m.match("ＧＭＳＦＨＭ").method == "declared"
    )


def test_fuzzy_is_never_accepted():
    m = Matcher(ELEMENTS)
    r = m.match("录入日期")
    assert r.method in ("fuzzy", "none") and not r.accepted()


def test_match_items_and_review_queue(app, api):
    with app.app_context():
        element_service.sync_dictionary(db.session, SYSTEM)
        db.session.commit()
    api.create_resource(
        items=[
            {"name": "申请人身份证号", "data_type": "C", "length": 18},
            {"name": "录入日期", "data_type": "D"},
            {"name": "发放月份", "data_type": "C"},
        ]
    )
    with app.app_context():
        counts = match_items(db.session, SYSTEM, threshold=0.8)
        db.session.commit()
        status = dict(db.session.execute(select(DataItem.name, DataItem.match_status)).all())
        run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "match.run"))
    assert status == {"申请人身份证号": "auto", "录入日期": "pending", "发放月份": None}
    assert run is not None and run.actor_name == SYSTEM.name  # matching writes, so it is audited
    assert counts["auto"] == 1 and counts["pending"] == 1
    queue = api.as_("reviewer").get("/api/v1/match-reviews").get_json()
    assert [q["name"] for q in queue] == ["录入日期"] and queue[0]["items"] == 1
    assert api.as_("editor_a").get("/api/v1/match-reviews").status_code == 403
    r = api.as_("reviewer").post(
        "/api/v1/match-reviews", json={"name": "录入日期", "element_identifier": None}
    )
    assert r.status_code == 200 and r.get_json()["items"] == 1
    assert api.as_("reviewer").get("/api/v1/match-reviews").get_json() == []
    # remembered: a new resource with the same name (full-width) is decided without review
    api.create_resource(
        items=[{"name": "录入日期 ", "data_type": "D"}, {"name": "姓名", "data_type": "C"}]
    )
    with app.app_context():
        match_items(db.session, SYSTEM, threshold=0.8)
        rows = db.session.execute(
            select(DataItem.name, DataItem.match_status, DataItem.match_confidence).where(
                DataItem.name.in_(["录入日期 ", "姓名"])
            )
        ).all()
    assert {(n, s) for n, s, _ in rows} == {("录入日期 ", "none"), ("姓名", "auto")}


def test_element_versions_and_sync(app, api):
    with app.app_context():
        first = element_service.sync_dictionary(db.session, SYSTEM)
        again = element_service.sync_dictionary(db.session, SYSTEM)
        db.session.commit()
    assert first["created"] == len(ELEMENTS) >= 150 and again == {
        "created": 0,
        "updated": 0,
        "unchanged": len(ELEMENTS),
    }
    el = api.as_(None).get("/api/v1/data-elements?q=GMSFHM").get_json()[0]
    etag = api.as_(None).get(f"/api/v1/data-elements/{el['id']}").headers["ETag"]
    r = api.as_("reviewer").patch(
        f"/api/v1/data-elements/{el['id']}", json={"synonyms": ["身份证"]}, etag=etag
    )
    assert r.status_code == 200
    versions = api.as_(None).get(f"/api/v1/data-elements/{el['id']}/versions").get_json()
    assert [v["action"] for v in versions] == ["create", "update"]
    assert versions[1]["snapshot"]["synonyms"] == ["身份证"]
