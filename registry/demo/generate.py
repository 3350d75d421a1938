"""A deterministic fictional county (or province of counties) as plain rows, with the
planted problems that the graph analyses must find, listed in an answer file.

Pure: no database access. Row ids are assigned here (from ``IdAllocator``) so items can
reference their resources without a round trip per row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from catalog_schemas.codes import DATA_TYPES, FORMATS, NATIONAL_UPDATE_CYCLES
from catalog_schemas.elements import BY_IDENTIFIER, ELEMENTS
from catalog_schemas.identifiers import (
    credit_code_check_char,
    format_resource_code,
    org_code_check_char,
)

from . import catalog as C

SEED = "gov-data-registry-demo-v1"
RESOURCES_PER_DEPARTMENT = 20
NOW = datetime(2026, 1, 1, tzinfo=UTC)
TABLES = (
    "departments",
    "systems",
    "projects",
    "project_departments",
    "project_systems",
    "resources",
    "resource_systems",
    "data_items",
    "interfaces",
    "interface_resources",
    "flows",
    "data_elements",
    "users",
)


class IdAllocator:
    """Next primary key per table, starting after what the database already holds."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self.last = dict(start or {})

    def __call__(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


@dataclass
class Batch:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.rows[table].append(row)
        return row


def county_name(index: int) -> str:
    first = C.COUNTY_FIRST[index % len(C.COUNTY_FIRST)]
    second = C.COUNTY_SECOND[(index // len(C.COUNTY_FIRST)) % len(C.COUNTY_SECOND)]
    return f"{first}{second}县"


def department_code(county: int, n: int, kind: str) -> str:
    category = {"事业单位": "12", "群团组织": "13"}.get(kind, "11")
    region = f"33{county + 1:04d}"
    org8 = f"{county * 100 + n + 1:08d}"
    body = category + region + org8 + org_code_check_char(org8)
    return body + credit_code_check_char(body)


class CountyBuilder:
    """Builds one county into a Batch; ``answers`` collects the planted problems."""

    def __init__(
        self, index: int, ids: IdAllocator, sequences: dict[str, int], answers: dict
    ) -> None:
        self.index = index
        self.name = county_name(index)
        self.rng = random.Random(f"{SEED}-{index}")
        self.ids = ids
        self.seq = sequences
        self.answers = answers
        self.batch = Batch()
        self.depts: list[dict] = []
        self.dept_by_short: dict[str, dict] = {}
        self.systems_by_dept: dict[int, list[dict]] = {}
        self.system_by_name: dict[str, dict] = {}
        self.base: dict[str, dict] = {}  # authoritative key → base resource row
        self.interfaces_by_resource: dict[int, dict] = {}

    # -- departments and systems ---------------------------------------------------------
    def departments(self) -> None:
        for n, (suffix, kind, key, short) in enumerate(C.DEPARTMENTS):
            name = (
                suffix
                if kind == "乡镇"
                else suffix.replace("县", self.name, 1)
                if suffix.startswith("县")
                else self.name + suffix
            )
            row = self.batch.add(
                "departments",
                {
                    "id": self.ids("departments"),
                    "code": department_code(self.index, n, kind),
                    "name": name,
                    "kind": kind,
                    "parent_id": None,
                    "region": self.name,
                    "function": key or "其他",  # confirmed: no authoritative source
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                },
            )
            row["_key"], row["_short"], row["_n"] = key, short, n
            self.depts.append(row)
            self.dept_by_short[short] = row

    def systems(self) -> None:
        for dept in self.depts:
            names = C.SYSTEMS.get(dept["_short"]) or tuple(
                dept["_short"] + s for s in C.GENERIC_SYSTEMS[: self.rng.choice((2, 3))]
            )
            for k, name in enumerate(names):
                row = self.batch.add(
                    "systems",
                    {
                        "id": self.ids("systems"),
                        "code": f"S{self.index + 1:03d}{dept['_n'] + 1:02d}{k + 1:02d}",
                        # 县委办 → 青溪县委办…, not 青溪县县委办…
                        "name": (self.name[:-1] if name.startswith("县") else self.name) + name,
                        "department_id": dept["id"],
                        "in_system_catalog": True,
                        "deployment": "政务云" if self.rng.random() < 0.8 else "政务外网",
                        "status": "in_use",
                        "version": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    },
                )
                self.systems_by_dept.setdefault(dept["id"], []).append(row)
                self.system_by_name[name] = row
        # Art. 17: systems missing from the county system catalog.
        generic = [
            s
            for d in self.depts
            if d["_short"] not in C.SYSTEMS
            for s in self.systems_by_dept[d["id"]]
        ]
        for s in self.rng.sample(generic, 5):
            s["in_system_catalog"] = False
            self.answers["not_in_system_catalog"].append(s["code"])

    # -- resources -------------------------------------------------------------------------
    def _code(self, classification: str) -> str:
        self.seq[classification] = self.seq.get(classification, 0) + 1
        return format_resource_code(classification, self.seq[classification])

    def _resource(
        self,
        dept: dict,
        system: dict,
        name: str,
        classification: str,
        items: list[dict],
        *,
        status: str = "published",
        base: bool = False,
    ) -> dict:
        rng = self.rng
        share = rng.random()
        if base:  # the five base resources are always shared (国发〔2016〕51号)
            share_type, condition, method, platform = (
                "有条件共享",
                C.SHARE_CONDITIONS[0],
                "共享平台方式",
                "接口",
            )
        elif share > 0.95:
            share_type, condition, method, platform = (
                "不予共享",
                rng.choice(C.LEGAL_BASES),
                None,
                None,
            )
        elif share > 0.7:
            share_type, condition = "有条件共享", rng.choice(C.SHARE_CONDITIONS)
            method, platform = "共享平台方式", rng.choice(("库表", "接口", "文件"))
        else:
            share_type, condition, method, platform = (
                "无条件共享",
                "无条件",
                "共享平台方式",
                rng.choice(("库表", "接口")),
            )
        fmt = rng.random()
        format_class = "数据库" if fmt < 0.7 else "电子表格" if fmt < 0.9 else "电子文件"
        open_roll = rng.random()
        open_type = (
            "无条件开放" if open_roll < 0.2 else "有条件开放" if open_roll < 0.3 else "不予开放"
        )
        row = self.batch.add(
            "resources",
            {
                "id": self.ids("resources"),
                "code": self._code(classification),
                "classification_code": classification,
                "name": name,
                "provider_department_id": dept["id"],
                "summary": f"{dept['name']}在履职过程中产生的{name}，由{system['name']}维护。",
                "format_class": format_class,
                "format_detail": rng.choice(FORMATS[format_class]),
                "share_type": share_type,
                "share_condition": condition,
                "share_method_class": method,
                "share_method_platform": platform,
                "open_type": open_type,
                "open_condition": "经脱敏处理后开放" if open_type == "有条件开放" else None,
                "update_cycle": rng.choice(NATIONAL_UPDATE_CYCLES),
                "publish_date": date(2025, 1, 1) + timedelta(days=rng.randrange(330)),
                "related_codes": [],
                "status": status,
                "item_count": len(items),
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        self.batch.add("resource_systems", {"resource_id": row["id"], "system_id": system["id"]})
        for pos, item in enumerate(items):
            item.update(id=self.ids("data_items"), resource_id=row["id"], position=pos)
            self.batch.add("data_items", item)
        row["_system"] = system
        return row

    def _element_item(self, ident: str, mode: str, *, synonym_rate: float = 0.3) -> dict:
        element = BY_IDENTIFIER[ident]
        name = element.name
        if element.synonyms and self.rng.random() < synonym_rate:
            name = self.rng.choice(element.synonyms)
        return _item(name, element.data_type, _length(element.format), mode, ident)

    def _items(self, block: tuple[str, ...], target: int) -> list[dict]:
        # Elements with an authoritative source are obtained through sharing; those
        # without one (联系电话, 受理日期 …) are the department's own collection.
        items = [
            self._element_item(e, "obtained" if BY_IDENTIFIER[e].source else "collected")
            for e in block
        ]
        used = {i["name"] for i in items}
        fillers = [f for f in C.FILLER_ITEMS if f not in used]
        self.rng.shuffle(fillers)
        for name in fillers[: max(0, target - len(items))]:
            items.append(
                _item(
                    name,
                    C.FILLER_TYPES.get(name, "C"),
                    None if name in C.FILLER_TYPES else 50,
                    "collected",
                    None,
                )
            )
        return items

    def base_resources(self) -> None:
        for dept in self.depts:
            key = dept["_key"]
            if key not in C.BASE_RESOURCES:
                continue
            subject, name, system_name, elements = C.BASE_RESOURCES[key]
            # 一数一源: the base resource collects only the elements it is the source of.
            items = [
                self._element_item(
                    e, "collected" if BY_IDENTIFIER[e].source == key else "obtained", synonym_rate=0
                )
                for e in elements
            ]
            items += self._items((), 4)
            row = self._resource(
                dept,
                self.system_by_name[system_name],
                f"{self.name}{name}",
                f"1{subject}001",
                items,
                base=True,
            )
            self.base[key] = row

    def department_resources(self) -> None:
        for dept in self.depts:
            topics = list(
                dict.fromkeys(
                    C.DEPT_TOPICS.get(dept["_short"], ())
                    + C.PERSON_TOPICS[dept["_n"] % 5 : dept["_n"] % 5 + 2]
                    + C.ORG_TOPICS
                    + C.PLACE_TOPICS[:2]
                    + C.GENERIC_TOPICS
                )
            )
            have = sum(
                1 for r in self.batch.rows["resources"] if r["provider_department_id"] == dept["id"]
            )
            systems = self.systems_by_dept[dept["id"]]
            subject = C.KIND_SUBJECT[dept["kind"]]
            for topic in topics[: RESOURCES_PER_DEPARTMENT - have]:
                block = _block_for(topic, dept["_short"])
                status = self.rng.choices(("published", "submitted", "draft"), (90, 5, 5))[0]
                self._resource(
                    dept,
                    self.rng.choice(systems),
                    f"{dept['_short']}{topic}信息",
                    f"3{subject}{dept['_n'] + 1:03d}",
                    self._items(block, self.rng.randint(14, 28)),
                    status=status,
                )

    # -- planted problems -------------------------------------------------------------------
    def plant_duplicate_collection(self) -> None:
        """Some departments collect base elements again instead of obtaining them (Art. 17)."""
        plans = (("GMSFHM", "公安", 6), ("XM", "公安", 6), ("TYSHXYDM", "市场监管", 3))
        person = [
            r
            for r in self.batch.rows["resources"]
            if r["status"] == "published"
            and r["provider_department_id"] not in (self.base["公安"]["provider_department_id"],)
        ]
        by_resource: dict[int, list[dict]] = {}
        for item in self.batch.rows["data_items"]:
            by_resource.setdefault(item["resource_id"], []).append(item)
        for ident, key, count in plans:
            authoritative = self.base[key]
            candidates = [
                r
                for r in person
                if r["provider_department_id"] != authoritative["provider_department_id"]
                and any(i["_element"] == ident for i in by_resource[r["id"]])
            ]
            chosen = self.rng.sample(candidates, count)
            entries = []
            for r in chosen:
                item = next(i for i in by_resource[r["id"]] if i["_element"] == ident)
                item["collection_mode"] = "collected"
                entries.append(
                    {"system": r["_system"]["code"], "resource": r["code"], "item": item["name"]}
                )
            self.answers["duplicate_collection"].append(
                {
                    "county": self.name,
                    "element": ident,
                    "authoritative": {
                        "system": authoritative["_system"]["code"],
                        "resource": authoritative["code"],
                    },
                    "collected_by": sorted(entries, key=lambda e: e["resource"]),
                }
            )

    def interfaces_and_flows(self) -> None:
        unshared = []
        base_ids = {b["id"] for b in self.base.values()}
        for r in self.batch.rows["resources"]:
            if r["status"] != "published" or r["share_type"] == "不予共享":
                continue
            if r["id"] not in base_ids and self.rng.random() < 0.012:
                unshared.append(r["code"])  # shareable, but no platform-connected interface
                continue
            iface = self.batch.add(
                "interfaces",
                {
                    "id": self.ids("interfaces"),
                    "name": r["name"]
                    + ("查询接口" if r["share_method_platform"] == "接口" else "共享服务"),
                    "kind": {"接口": "api", "库表": "table", "文件": "file"}[
                        r["share_method_platform"]
                    ],
                    "department_id": r["provider_department_id"],
                    "endpoint": f"https://dsep.example.gov.cn/{self.index + 1:03d}/{r['code']}",
                    "protocol": "HTTPS",
                    "openapi": None,
                    "platform_connected": True,
                    "health": "up",
                    "health_checked_at": None,
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                },
            )
            self.batch.add(
                "interface_resources", {"interface_id": iface["id"], "resource_id": r["id"]}
            )
            self.interfaces_by_resource[r["id"]] = iface
        self.answers["unshared_resources"].extend(unshared)

        population = self.base["公安"]
        consumers = [d for d in self.depts if d["_key"] != "公安"]
        for dept in self.rng.sample(consumers, 20):
            target = self.rng.choice(self.systems_by_dept[dept["id"]])
            self._flow(population, target, via_platform=True)
        bypass = self.rng.sample(consumers, 4)
        for dept in bypass:
            target = self.rng.choice(self.systems_by_dept[dept["id"]])
            self._flow(population, target, via_platform=False)
            self.answers["bypasses_platform"].append(
                {
                    "from_system": population["_system"]["code"],
                    "to_system": target["code"],
                    "resource": population["code"],
                }
            )

    def _flow(self, resource: dict, target: dict, *, via_platform: bool) -> None:
        iface = self.interfaces_by_resource.get(resource["id"])
        self.batch.add(
            "flows",
            {
                "id": self.ids("flows"),
                "source_system_id": resource["_system"]["id"],
                "source_department_id": resource["provider_department_id"],
                "target_system_id": target["id"],
                "target_department_id": target["department_id"],
                "resource_id": resource["id"],
                "interface_id": iface["id"] if iface and via_platform else None,
                "via_platform": via_platform,
                "origin": "declared",
                "project_id": None,
                "description": None,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            },
        )

    def projects(self) -> None:
        s = self.system_by_name
        d = self.dept_by_short
        overlapping = (
            (
                (
                    "社会救助一件事联办平台",
                    "民政局",
                    ("人社局", "医保局"),
                    ("社会救助系统", "就业服务系统", "医保结算系统"),
                ),
                (
                    "困难群众精准帮扶系统",
                    "人社局",
                    ("民政局", "残联"),
                    ("社会救助系统", "医保结算系统", "残疾人服务系统"),
                ),
            ),
            (
                (
                    "市场主体全生命周期监管平台",
                    "市场监管局",
                    ("审批局",),
                    ("市场主体登记系统", "行政审批系统", "市场监管执法系统"),
                ),
                (
                    "企业开办一网通办系统",
                    "审批局",
                    ("市场监管局",),
                    ("行政审批系统", "市场主体登记系统"),
                ),
            ),
        )
        used = set()
        for pair in overlapping:
            codes = []
            for name, lead, co, systems in pair:
                codes.append(
                    self._project(name, d[lead], [d[c] for c in co], [s[x] for x in systems])
                )
                used.update(systems)
            shared = sorted(s[x]["code"] for x in set(pair[0][3]) & set(pair[1][3]))
            self.answers["scope_overlap"].append(
                {"county": self.name, "projects": codes, "co_built": True, "shared_systems": shared}
            )
        others = [d for d in self.depts if d["_short"] not in C.SYSTEMS]
        for dept in self.rng.sample(others, 8):
            systems = [x for x in self.systems_by_dept[dept["id"]] if x["name"] not in used][:2]
            self._project(f"{dept['_short']}数字化改革项目", dept, [], systems)

    def _project(self, name: str, lead: dict, co: list[dict], systems: list[dict]) -> str:
        pid = self.ids("projects")
        code = f"XM{self.index + 1:03d}-{pid:05d}"
        investment = self.rng.choice((180, 320, 450, 680, 950, 1200, 2600))
        stage = self.rng.choice(
            ("planned", "proposal", "feasibility", "technical_review", "construction")
        )
        self.batch.add(
            "projects",
            {
                "id": pid,
                "code": code,
                "name": f"{self.name}{name}",
                "lead_department_id": lead["id"],
                "investment": investment,
                "in_county_plan": self.rng.random() < 0.7,
                "stage": stage,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        for dept in co:
            self.batch.add("project_departments", {"project_id": pid, "department_id": dept["id"]})
        for system in systems:
            self.batch.add("project_systems", {"project_id": pid, "system_id": system["id"]})
        return code

    def build(self) -> Batch:
        self.departments()
        self.systems()
        self.base_resources()
        self.department_resources()
        self.plant_duplicate_collection()
        self.interfaces_and_flows()
        self.projects()
        return self.batch


def _block_for(topic: str, short: str) -> tuple[str, ...]:
    if topic in C.ORG_TOPICS or any(
        w in topic for w in ("机构", "学校", "设备", "许可", "抽检", "组织")
    ):
        return C.ORG_BLOCK
    if topic in C.PLACE_TOPICS or any(w in topic for w in ("土地", "矿业", "地块", "不动产")):
        return C.PLACE_BLOCK
    if topic in C.PERSON_TOPICS or topic in C.DEPT_TOPICS.get(short, ()):
        return C.PERSON_BLOCK
    return C.CASE_BLOCK


def _item(name: str, data_type: str, length: int | None, mode: str, element: str | None) -> dict:
    return {
        "name": name,
        "data_type": _TYPE_LABEL[data_type],
        "length": length,
        "description": None,
        "collection_mode": mode,
        "share_type": None,
        "open_type": None,
        "element_identifier": None,
        "element_id": None,
        "match_confidence": None,
        "match_confirmed_by_id": None,
        # Ground truth for the answer file; stripped before insert.
        "_element": element,
    }


def _length(fmt: str | None) -> int | None:
    if not fmt or fmt[0] not in "cn":
        return None
    digits = "".join(ch for ch in fmt.split(",")[0] if ch.isdigit())
    return int(digits) if digits else None


_TYPE_LABEL = DATA_TYPES  # the standard's spelling of each data type


def new_answers(scale: str) -> dict:
    return {
        "scale": scale,
        "seed": SEED,
        "notes": "duplicate_collection lists the planted cases among elements that have an "
        "authoritative source (一数一源); elements without one are collected by many "
        "departments by design. scope_overlap lists planted project pairs by shared systems.",
        "duplicate_collection": [],
        "scope_overlap": [],
        "not_in_system_catalog": [],
        "unshared_resources": [],
        "bypasses_platform": [],
    }


def element_rows(ids: IdAllocator, first_county: CountyBuilder) -> list[dict]:
    """The dictionary, with county one's authoritative sources (一数一源)."""
    by_key = {d["_key"]: d for d in first_county.depts if d["_key"]}
    rows = []
    for e in ELEMENTS:
        dept = by_key.get(e.source)
        base = first_county.base.get(e.source) if e.source else None
        rows.append(
            {
                "id": ids("data_elements"),
                "identifier": e.identifier,
                "name": e.name,
                "synonyms": list(e.synonyms),
                "data_type": e.data_type,
                "format": e.format,
                "value_domain": e.value_domain,
                "family": e.family,
                "source_function": e.source,
                "source_department_id": dept["id"] if dept else None,
                "source_system_id": base["_system"]["id"]
                if base and e.identifier in _base_elements(e.source)
                else None,
                "source_resource_id": base["id"]
                if base and e.identifier in _base_elements(e.source)
                else None,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return rows


def _base_elements(key: str) -> tuple[str, ...]:
    return C.BASE_RESOURCES.get(key, ("", "", "", ()))[3]


def demo_users(ids: IdAllocator, county: CountyBuilder) -> list[dict]:
    d = county.dept_by_short
    spec = (
        ("demo-admin", "admin", None),
        ("demo-reviewer", "center_reviewer", d["大数据中心"]),
        ("demo-ndrc", "ndrc_officer", d["发改局"]),
        ("demo-auditor", "auditor", None),
        ("demo-editor", "dept_editor", d["公安局"]),
    )
    return [
        {
            "id": ids("users"),
            "name": name,
            "display_name": None,
            "role": role,
            "department_id": dept["id"] if dept else None,
            "active": True,
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for name, role, dept in spec
    ]
