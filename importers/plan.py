"""From rows to catalog records: normalise cells, attach items to their resource, and
report every problem as (sheet, row, column, field, message, code). No database."""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from catalog_schemas.codes import platform_share_method, split_share_method
from catalog_schemas.columns import CLEAR_MARKERS, COLLECTION_MODES_ZH, LIST_SEPARATORS

from .readers import ParsedFile, Row


class _Clear:
    def __repr__(self) -> str:
        return "CLEAR"


CLEAR = _Clear()  # an explicit "erase the stored value"
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    field: str | None
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "code": self.code,
        }


@dataclass(slots=True)
class Record:
    """One resource with its items as read; ``items`` is None when the file gave none.

    Where each item came from is kept as its row number only (``item_lines``), with the
    sheet and its column labels once per record: 400,000 items cost 1.6 MB of row
    numbers instead of 400,000 row objects (about 30 MB, measured with the import
    benchmark)."""

    row: Row
    values: dict[str, Any]
    items: list[dict[str, Any]] | None = None
    item_lines: array = field(default_factory=lambda: array("l"))
    item_sheet: Row | None = None  # the sheet and column labels of the item rows

    def add_item(self, item: dict[str, Any], row: Row) -> None:
        if self.items is None:
            self.items = []
        self.items.append(item)
        self.item_lines.append(row.row)
        if self.item_sheet is None:
            self.item_sheet = Row(row.sheet, 0, None, row.columns)

    def forget_items(self) -> None:
        self.items, self.item_lines = None, array("l")

    def problem(
        self, field_name: str | None, message: str, code: str, item: int | None = None
    ) -> Problem:
        where, line = self.row, self.row.row
        if item is not None and item < len(self.item_lines) and self.item_sheet is not None:
            where, line = self.item_sheet, self.item_lines[item]
        return Problem(
            where.sheet, line, where.columns.get(field_name or ""), field_name, message, code
        )


def _text(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # codes typed into numeric cells: 101001.0 → "101001"
    s = str(v).strip()
    if not s:
        return None
    return CLEAR if s in CLEAR_MARKERS else s


def _date(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int | float) and 1 < v < 100000:
        return (_EXCEL_EPOCH + timedelta(days=int(v))).isoformat()  # an Excel serial
    s = _text(v)
    if isinstance(s, str):
        if re.fullmatch(r"\d{8}", s):
            return f"{s[:4]}-{s[4:6]}-{s[6:]}"
        if m := _DATE_RE.match(s):
            return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
        if re.fullmatch(r"\d{5}(\.0)?", s):
            return (_EXCEL_EPOCH + timedelta(days=int(float(s)))).isoformat()
    return s


def _list(v: Any) -> Any:
    if isinstance(v, list | tuple):  # JSON gives lists as they are
        return [str(x).strip() for x in v if str(x).strip()]
    s = _text(v)
    if s is None or s is CLEAR:
        return [] if s is CLEAR else None
    for sep in LIST_SEPARATORS[1:]:
        s = s.replace(sep, LIST_SEPARATORS[0])
    return [p.strip() for p in s.split(LIST_SEPARATORS[0]) if p.strip()]


def _int(v: Any) -> Any:
    s = _text(v)
    if s is None or s is CLEAR:
        return s
    try:
        return int(float(s))
    except ValueError:
        return s  # the schema names the field and says why


def normalise_resource(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        if k == "publish_date":
            v = _date(v)
        elif k in ("related_codes", "system_codes"):
            v = _list(v)
        else:
            v = _text(v)
        if k == "open_type" and v in ("是", "否"):  # 是否向社会开放
            v = (
                ("有条件开放" if values.get("open_condition") else "无条件开放")
                if v == "是"
                else "不予开放"
            )
        if k == "share_method_platform" and isinstance(v, str):
            v = platform_share_method(v) or v  # 数据库 → 库表, 接口(服务) → 接口
        if v is not None:
            out[k] = v
    combined = out.get("share_method_class")
    if isinstance(combined, str) and (split := split_share_method(combined)):
        # One cell for both: 共享平台方式/接口, 共享平台方式（接口）, 平台-接口.
        out["share_method_class"] = split[0]
        out.setdefault("share_method_platform", split[1])
    return out


def normalise_item(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        v = _int(v) if k == "length" else _text(v)
        if k == "collection_mode" and isinstance(v, str):
            v = COLLECTION_MODES_ZH.get(v, v)
        if v is not None:
            out[k] = v
    return out


def _raw_identity(values: dict[str, Any]) -> Any:
    for key in ("key", "code"):
        if values.get(key) is not None:
            return (key, str(values[key]).strip())
    if values.get("name") is not None:
        return (
            "name",
            str(values["name"]).strip(),
            values.get("provider_code") or values.get("provider_name"),
        )
    return None


def assemble(parsed: ParsedFile) -> tuple[list[Record], list[Problem]]:
    """Resources with their items attached, in file order, and what could not be placed.
    Reads the file's item rows to the end, then releases the file."""
    if parsed.flattened:
        return _assemble_flat(parsed)
    try:
        return _assemble_sheets(parsed)
    finally:
        parsed.close()


def _assemble_sheets(parsed: ParsedFile) -> tuple[list[Record], list[Problem]]:
    problems: list[Problem] = []
    records: list[Record] = []
    by_ref: dict[tuple, Record] = {}
    for row in parsed.resources:
        values = normalise_resource(row.values)
        row.values = None  # the record keeps what the row said, normalised; not twice
        if not values:
            continue
        rec = Record(row, values)
        records.append(rec)
        for key in ("key", "code"):
            if values.get(key) not in (None, CLEAR):
                ref = (key, str(values[key]))
                if ref in by_ref:
                    problems.append(
                        rec.problem(key, f"与第 {by_ref[ref].row.row} 行重复", "duplicate_row")
                    )
                by_ref[ref] = rec
    seen: dict[tuple, dict[str, Any]] = {}
    for row in parsed.items:
        values = normalise_item(row.values)
        if not values.get("name") and len(values) <= 2:
            continue  # only the key filled down: an empty line under a merged cell
        key, code = values.pop("key", None), values.pop("resource_code", None)
        rec = by_ref.get(("key", str(key))) if key is not None else None
        rec = rec or (by_ref.get(("code", str(code))) if code is not None else None)
        if rec is None:
            problems.append(
                Problem(
                    row.sheet,
                    row.row,
                    row.columns.get("key"),
                    "key",
                    "信息项找不到所属资源（资源序号或信息资源代码不匹配）",
                    "orphan_item",
                )
            )
            continue
        # Items repeat across resources (姓名, 公民身份号码 …): identical ones share a dict.
        rec.add_item(seen.setdefault(tuple(sorted(values.items())), values), row)
    return records, problems


def iter_records(parsed: ParsedFile, problems: list[Problem]):
    """Records one by one where the layout allows it (flattened CSV), else all at once;
    reading problems are appended to ``problems`` as they are found."""
    if parsed.flattened:
        return iter_flat_records(parsed, problems)
    records, found = assemble(parsed)
    problems.extend(found)
    # The records now hold what the rows said: let the rows go (a large workbook's rows
    # would otherwise stay in memory for the whole import).
    parsed.resources, parsed.items = [], []
    return records


def _assemble_flat(parsed: ParsedFile) -> tuple[list[Record], list[Problem]]:
    problems: list[Problem] = []
    return list(iter_flat_records(parsed, problems)), problems


def iter_flat_records(parsed: ParsedFile, problems: list[Problem]):
    """The flattened layout, streamed: a record is complete when the next one starts."""
    current: Record | None = None
    current_identity = None
    for res_row, item_row in parsed.pairs:
        # The resource columns repeat on every item row: compare the raw identity and
        # normalise only when a new resource starts.
        identity = _raw_identity(res_row.values)
        if identity is not None and identity != current_identity:
            if current is not None:
                yield current
            values = normalise_resource(res_row.values)
            res_row.values = None  # kept once, normalised
            current, current_identity = Record(res_row, values), identity
        elif current is None:
            problems.append(
                Problem(
                    res_row.sheet, res_row.row, None, None, "该行之前没有资源信息", "orphan_item"
                )
            )
            continue
        item = normalise_item(item_row.values)
        item.pop("key", None)
        item.pop("resource_code", None)
        if item:
            current.add_item(item, item_row)
    if current is not None:
        yield current


def payload(values: dict[str, Any], items: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Schema input: CLEAR becomes None (erase), bookkeeping fields are dropped."""
    out = {
        k: (None if v is CLEAR else v)
        for k, v in values.items()
        if k not in ("key", "code", "provider_name", "system_codes")
    }
    if items is not None:
        out["items"] = [{k: (None if v is CLEAR else v) for k, v in it.items()} for it in items]
    return out


def schema_problems(record: Record, errors: dict[str, Any]) -> list[Problem]:
    """marshmallow's {field: [msg]} (items nested by index) as located problems."""
    out = []
    for field_name, messages in errors.items():
        if field_name == "items" and isinstance(messages, dict):
            for index, item_errors in messages.items():
                for item_field, item_messages in (
                    item_errors.items()
                    if isinstance(item_errors, dict)
                    else [("items", item_errors)]
                ):
                    for msg in item_messages:
                        out.append(
                            record.problem(
                                item_field,
                                f"信息项第 {int(index) + 1} 项：{msg}",
                                "invalid",
                                item=int(index),
                            )
                        )
            continue
        for msg in messages if isinstance(messages, list) else [str(messages)]:
            out.append(record.problem(field_name, msg, "invalid"))
    return out
