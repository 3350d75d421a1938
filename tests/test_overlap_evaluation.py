"""The item-level overlap measured on the labelled pairs (issue #15 part 4), and the
comparison's own properties: the bounded index finds what an all-pairs scan finds."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog_schemas.elements import ELEMENTS
from catalog_schemas.matching import Matcher
from registry.graph.items import (
    Catalog,
    ItemKeys,
    Thresholds,
    item_similarity,
    overlapping_projects,
    overlapping_systems,
    overlapping_systems_all_pairs,
)

DATA = Path(__file__).parent / "data"


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split("、") if x.strip()]


def evaluation_catalog() -> tuple[Catalog, dict[str, list[str]]]:
    """The 99 projects of overlap_catalogs.yaml as the registry would read them: only
    collected items; what a system obtains through the platform is not building twice."""
    projects = yaml.safe_load((DATA / "overlap_catalogs.yaml").read_text("utf-8"))["projects"]
    keys = ItemKeys.for_matcher(Matcher(ELEMENTS))
    rows, builds = [], {}
    for code, p in projects.items():
        builds[code] = []
        for s in p["systems"]:
            system = f"{code}/{s['name']}"
            builds[code].append(system)
            for r in s["resources"]:
                names = _split(r.get("items"))
                keys.learn(names)
                rows += [(f"{system}/{r['name']}", system, n, None) for n in names]
    return Catalog.from_items(rows, keys), builds


def _score(flagged, rows) -> tuple[int, int, int]:
    pair = lambda r: (min(r["a"], r["b"]), max(r["a"], r["b"]))  # noqa: E731
    tp = sum(r["overlap"] == "1" and pair(r) in flagged for r in rows)
    fp = sum(r["overlap"] == "0" and pair(r) in flagged for r in rows)
    fn = sum(r["overlap"] == "1" for r in rows) - tp
    return tp, fp, fn


def test_labelled_overlap_pairs():
    """Issue #15 asks for precision ≥ 0.9 and recall ≥ 0.85. The thresholds were chosen on
    the even rows (the development half) and are reported on the odd rows as well.

    Recall falls short of the goal: ten overlapping pairs (the relief ledgers, the unpaid
    wage complaints, 个体户 registration, 优抚 payments) say the same thing in other words
    (救助金额 / 月保障金 / 供养金额, 投诉人 / 反映人), which no lexical comparison of item
    names aligns. The test holds the figures reached so a change cannot lose them; the
    goal's recall stays open in the issue."""
    with (DATA / "overlap_pairs.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 150 and sum(r["overlap"] == "1" for r in rows) >= 40
    assert all(r["reason"].strip() for r in rows)
    catalog, builds = evaluation_catalog()
    flagged = overlapping_projects(catalog, Thresholds(), builds)
    figures = {}
    for half, part in (("dev", rows[0::2]), ("held out", rows[1::2]), ("all", rows)):
        tp, fp, fn = _score(flagged, part)
        figures[half] = (tp / (tp + fp), tp / (tp + fn))
        print(
            f"\noverlap, {half}: tp {tp} fp {fp} fn {fn}, P {tp / (tp + fp):.3f}, "
            f"R {tp / (tp + fn):.3f}"
        )
    precision, recall = figures["all"]
    assert precision >= 0.9, precision
    assert recall >= 0.78, recall  # reached; the goal is 0.85
    assert figures["held out"] >= (0.85, 0.7)  # reached there: P 0.895, R 0.739


def test_generic_items_do_not_make_pairs_alike():
    """Two systems holding only what every system holds (姓名, 联系电话, 身份证号, 备注)
    are not alike, however many of those they share."""
    keys = ItemKeys.for_matcher(Matcher(ELEMENTS))
    generic = ["姓名", "联系电话", "身份证号", "备注", "办理状态", "地址", "录入日期"]
    rows = []
    for i in range(40):  # forty systems, every one with the generic items…
        rows += [(f"r{i}", f"s{i}", n, None) for n in generic]
        own = (chr(0x5000 + 2 * (3 * i + j)) + chr(0x5001 + 2 * (3 * i + j)) for j in range(3))
        rows += [(f"r{i}", f"s{i}", n, None) for n in own]  # …and three of its own
    flagged, weights = overlapping_systems(Catalog.from_items(rows, keys), Thresholds())
    assert flagged == [] and weights.dropped > 0
    # …and two that also share their line-of-business items are found, with those items
    rows += [("rA", "sA", n, None) for n in ("案件编号", "案发地址", "结案时间", "办案单位")]
    rows += [("rB", "sB", n, None) for n in ("案件号", "案发地点地址", "结案日期", "办案单位")]
    flagged, _ = overlapping_systems(Catalog.from_items(rows, keys), Thresholds())
    assert [(o.a, o.b) for o in flagged] == [("sA", "sB")]
    aligned = {(a, b) for a, b, _ in flagged[0].items.aligned}
    assert ("案件#id", "案件#id") in aligned and ("结案#date", "结案#date") in aligned


def test_item_similarity():
    assert item_similarity("案件#id", "案件#id") == 1.0
    assert item_similarity("家庭人口", "家庭人口数") >= 0.5
    assert item_similarity("结案#date", "结案#id") == 0.0  # a date is not a number
    assert item_similarity("element:GMSFHM", "element:XM") == 0.0


_names = st.sampled_from(
    [
        "案件编号",
        "案件号",
        "案发地址",
        "报案时间",
        "结案日期",
        "网格编码",
        "网格名称",
        "事件类型",
        "救助金额",
        "保障金额",
        "家庭人口",
        "户主姓名",
        "检查日期",
        "检查结果",
        "许可证编号",
        "物资名称",
        "储备数量",
        "测站编码",
        "降雨量",
        "水位",
        "姓名",
        "联系电话",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 2), _names), min_size=1, max_size=120),
    st.integers(2, 12),
)
def test_the_index_finds_what_all_pairs_finds(items, bound_min):
    """The bounded inverted index is exact for the rule: whatever the catalog and bound,
    it flags the same system pairs, with the same measures, as judging every pair."""
    keys = ItemKeys.for_matcher(Matcher(ELEMENTS))
    rows = [(f"s{s}/r{r}", f"s{s}", name, None) for s, r, name in items]
    catalog = Catalog.from_items(rows, keys)
    t = Thresholds(bound_min=bound_min, bound_share=0.0)
    indexed, _ = overlapping_systems(catalog, t)
    assert indexed == overlapping_systems_all_pairs(catalog, t)


def test_one_shared_item_is_not_an_overlap():
    """Two systems that each keep a single weighted item, the same one, are not alike by
    their text either: every rule needs ``min_aligned`` items or bigrams in common."""
    keys = ItemKeys.for_matcher(Matcher(ELEMENTS))
    rows = [("r1", "s1", "不动产单元号", None), ("r2", "s2", "不动产单元号", None)]
    rows += [(f"r{i}", f"s{i}", "备注", None) for i in range(3, 30)]
    flagged, _ = overlapping_systems(Catalog.from_items(rows, keys), Thresholds())
    assert flagged == []
