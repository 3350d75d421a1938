"""Writers: the catalog as the .xlsx template (two sheets, drop-downs, hints), as CSV
(one row per data item, UTF-8 with BOM so Excel opens it right) and as JSON. Export →
edit → import round-trips: the readers take back exactly what these write."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from catalog_schemas.columns import (
    ITEM_COLUMNS,
    ITEM_SHEET,
    LIST_SEPARATORS,
    PUBLICATION_COLUMNS,
    RESOURCE_COLUMNS,
    RESOURCE_SHEET,
    Column,
)

_MODES_ZH = {"collected": "原始采集", "obtained": "共享获取"}
EXAMPLE = {
    "key": 1,
    "classification_code": "101001",
    "name": "人口基础信息",
    "provider_name": "某县公安局",
    "provider_code": "11330001000000010X",
    "summary": "全县户籍人口的基础信息",
    "format_class": "数据库",
    "format_detail": "KingbaseES",
    "share_type": "有条件共享",
    "share_condition": "仅限政务用途，经审核后使用",
    "share_method_class": "共享平台方式",
    "share_method_platform": "接口",
    "open_type": "不予开放",
    "update_cycle": "每日",
    "publish_date": "2026-01-15",
    "items": [
        {
            "name": "公民身份号码",
            "data_type": "字符型C",
            "length": 18,
            "collection_mode": "collected",
            "element_identifier": "GMSFHM",
        },
        {"name": "姓名", "data_type": "字符型C", "length": 50, "collection_mode": "collected"},
    ],
}


def _cell(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return LIST_SEPARATORS[0].join(map(str, value)) or None
    if col.field == "collection_mode":
        return _MODES_ZH.get(value, value)
    return value


def rows_of(
    records: Iterable[dict], columns: tuple[Column, ...] = RESOURCE_COLUMNS
) -> tuple[list[list[Any]], list[list[Any]]]:
    resources, items = [], []
    for n, rec in enumerate(records, start=1):
        rec = {**rec, "key": rec.get("key", n)}
        resources.append([_cell(c, rec.get(c.field)) for c in columns])
        for it in rec.get("items") or []:
            it = {**it, "key": rec["key"], "resource_code": rec.get("code")}
            items.append([_cell(c, it.get(c.field)) for c in ITEM_COLUMNS])
    return resources, items


def write_xlsx(
    records: Iterable[dict], out: io.BufferedIOBase | str, *, template: bool = False
) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook(write_only=not template)
    # An export carries the publication columns after the template's; the template (what
    # people fill in) has only what an import reads.
    res_columns = RESOURCE_COLUMNS if template else RESOURCE_COLUMNS + PUBLICATION_COLUMNS
    res_rows, item_rows = rows_of([EXAMPLE] if template else records, res_columns)
    for title, columns, rows in (
        (RESOURCE_SHEET, res_columns, res_rows),
        (ITEM_SHEET, ITEM_COLUMNS, item_rows),
    ):
        ws = wb.create_sheet(title)
        if template:
            ws.append([f"{c.header}*" if c.required else c.header for c in columns])
            for i, c in enumerate(columns, start=1):
                cell = ws.cell(row=1, column=i)
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDEBF7")
                ws.column_dimensions[get_column_letter(i)].width = max(12, len(c.header) * 2 + 4)
                if c.hint:
                    cell.comment = Comment(c.hint, "目录模板")
                if c.choices:
                    dv = DataValidation(
                        type="list",
                        formula1='"' + ",".join(c.choices) + '"',
                        allow_blank=True,
                        showErrorMessage=True,
                        errorTitle="取值无效",
                        error="请从下拉列表中选择",
                        promptTitle=c.header,
                        prompt=c.hint or "从列表中选择",
                    )
                    dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5000")
                    ws.add_data_validation(dv)
            ws.freeze_panes = "A2"
        else:
            ws.append([c.header for c in columns])
        for row in rows:
            ws.append(row)
    if template:
        del wb["Sheet"]
        notes = wb.create_sheet("填表说明")
        for line in (
            "带 * 的列为必填项；有下拉列表的列请从列表中选择。",
            "信息项表用“资源序号”（或已登记资源的“信息资源代码”）关联到信息资源表。",
            "新登记的资源不填“信息资源代码”，由系统按 分类码/顺序码 生成。",
            "修改已登记资源时，空白单元格保持原值不变；要清空某项，请填写 #清空。",
        ):
            notes.append([line])
    wb.save(out)


def write_csv(records: Iterable[dict], out: io.TextIOBase) -> None:
    """One row per data item, resource columns repeated; a resource without items has one row."""
    item_cols = [c for c in ITEM_COLUMNS if c.field not in ("key", "resource_code")]
    w = csv.writer(out)
    res_cols = RESOURCE_COLUMNS + PUBLICATION_COLUMNS
    w.writerow([c.header for c in res_cols] + [c.header for c in item_cols])
    for n, rec in enumerate(records, start=1):
        rec = {**rec, "key": rec.get("key", n)}
        head = [_cell(c, rec.get(c.field)) for c in res_cols]
        for it in rec.get("items") or [{}]:
            w.writerow(head + [_cell(c, it.get(c.field)) for c in item_cols])


def write_json(records: Iterable[dict], out: io.TextIOBase) -> None:
    """``{"resources": [...]}``, written a record at a time (an export of the whole
    province never holds the list)."""
    out.write('{\n "resources": [')
    for n, record in enumerate(records):
        text = json.dumps(record, ensure_ascii=False, indent=1, default=str)
        out.write(("," if n else "") + "\n  " + text.replace("\n", "\n  "))
    out.write("\n ]\n}\n")


SCORE_COLUMNS = (
    ("name", "部门"),
    ("score", "共享得分"),
    ("resources", "已发布资源"),
    ("shareable", "可共享资源"),
    ("via_platform", "经共享平台提供"),
    ("requests", "收到申请"),
    ("answered", "已答复"),
    ("answered_on_time", "按期答复"),
    ("approved", "同意共享"),
    ("median_answer_days", "答复用时中位数（工作日）"),
    ("active_grants", "有效授权"),
    ("consumers", "使用部门数"),
    ("usage_reports", "使用情况反馈"),
    ("reported_uses", "反馈使用次数"),
    ("observed_calls", "平台记录调用次数"),
    ("corrections", "收到纠错"),
    ("corrections_on_time", "按期答复纠错"),
)


SCOPE_LABELS = {"department": "部门", "resource": "资源", "system": "系统", "project": "项目"}


def scores_workbook(rows: Iterable[dict], county: dict, *, scope: str = "department") -> bytes:
    """共享指标 as a workbook: one row per department (resource, system, project), the
    county's total last."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "共享指标"
    ws.append([SCOPE_LABELS[scope], *(label for _, label in SCORE_COLUMNS[1:])])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in [*rows, county]:
        ws.append([row.get(key) for key, _ in SCORE_COLUMNS])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
