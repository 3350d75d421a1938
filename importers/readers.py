"""Readers of the files departments bring: .xlsx, .xls/.et, CSV (UTF-8, UTF-8 with BOM,
GB18030) and JSON. Each yields rows of {field: raw value} with where they came from; no
database, no validation beyond recognising the file and its header.

Tolerated, because real spreadsheets do it: header synonyms, spaces and full-width
characters in headers, a title row above the header, merged cells (filled down), blank
rows, trailing note rows, numbers stored as text and dates as Excel serials.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog_schemas.columns import (
    ITEM_COLUMNS,
    ITEM_SHEET,
    RESOURCE_COLUMNS,
    Column,
    header_index,
    normalise_header,
)

MAX_HEADER_SCAN = 10
NOTE_PREFIXES = ("注", "说明", "填表说明", "备注：", "填报说明", "*注")


class FileProblem(Exception):
    """The file as a whole cannot be read; nothing is imported."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Row:
    sheet: str
    row: int
    values: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # field → column label (A, B … or header)


@dataclass
class ParsedFile:
    kind: str
    resources: list[Row]
    items: list[Row]
    flattened: bool = False  # one row per item, resource columns repeated (CSV layout)


def sniff(head: bytes, name: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if name.lower().endswith((".xlsx", ".xlsm", ".xls", ".et")):
        raise FileProblem("文件扩展名是表格，但内容不是 Excel/WPS 表格文件", "not_a_spreadsheet")
    if b"\x00" in head[:4096]:
        raise FileProblem("无法识别的文件类型（支持 xlsx、xls、et、csv、json）", "unknown_format")
    return "csv"


def read_file(path: Path, *, max_bytes: int) -> ParsedFile:
    size = path.stat().st_size
    if size > max_bytes:
        raise FileProblem(f"文件过大（{size / 2**20:.0f} MB），上限为 {max_bytes / 2**20:.0f} MB；"
                          "请拆分文件或使用 CSV", "file_too_large")
    if size == 0:
        raise FileProblem("文件为空", "empty_file")
    with path.open("rb") as f:
        head = f.read(8192)
    kind = sniff(head, path.name)
    if kind == "xlsx":
        return _read_xlsx(path)
    if kind == "ole2":
        return _read_ole2(path)
    if kind == "json":
        return _read_json(path)
    return _read_csv(path)


# -- tables --------------------------------------------------------------------------------

def _label(i: int) -> str:
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = chr(65 + r) + label
    return label


def _find_header(rows: list[list[Any]], index: dict[str, Column]) -> tuple[int, dict[int, Column]] | None:
    best = None
    for n, row in enumerate(rows[:MAX_HEADER_SCAN]):
        found = {i: index[normalise_header(v)] for i, v in enumerate(row)
                 if v is not None and normalise_header(v) in index}
        required = sum(1 for c in found.values() if c.required)
        if required >= 2 and (best is None or len(found) > len(best[1])):
            best = (n, found)
    return best


def _is_note(values: list[Any]) -> bool:
    text = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return not text or (len(text) == 1 and text[0].startswith(NOTE_PREFIXES))


def _table_rows(sheet: str, rows: Iterable[list[Any]], mapping: dict[int, Column], first_row: int,
                fill_down: set[str]) -> Iterator[Row]:
    last: dict[str, Any] = {}
    for n, raw in enumerate(rows, start=first_row):
        if _is_note(list(raw)):
            continue
        values, columns = {}, {}
        for i, col in mapping.items():
            v = raw[i] if i < len(raw) else None
            if isinstance(v, str) and not v.strip():
                v = None
            if v is None and col.field in fill_down:
                v = last.get(col.field)  # merged cells arrive as blanks below the first
            values[col.field] = v
            columns[col.field] = _label(i)
        last.update({k: v for k, v in values.items() if v is not None and k in fill_down})
        yield Row(sheet, n, values, columns)


def _split_sheets(sheets: dict[str, list[list[Any]]]) -> ParsedFile:
    res_index, item_index = header_index(RESOURCE_COLUMNS), header_index(ITEM_COLUMNS)
    resources: list[Row] = []
    items: list[Row] = []
    for name, rows in sheets.items():
        res, itm = _find_header(rows, res_index), _find_header(rows, item_index)
        item_fields = {c.field for c in itm[1].values()} if itm else set()
        if res and itm and res[0] == itm[0] and {"name", "data_type"} <= item_fields:
            # One sheet holding both: the flattened layout, one row per data item.
            body = rows[res[0] + 1:]
            resources = list(_table_rows(name, body, res[1], res[0] + 2, set()))
            items = list(_table_rows(name, body, itm[1], res[0] + 2, set()))
            return ParsedFile("", resources, items, flattened=True)
        if itm and (name.startswith(ITEM_SHEET) or not res or len(itm[1]) > len(res[1])):
            items.extend(_table_rows(name, rows[itm[0] + 1:], itm[1], itm[0] + 2, {"key", "resource_code"}))
        elif res:
            resources.extend(_table_rows(name, rows[res[0] + 1:], res[1], res[0] + 2, set()))
    if not resources and not items:
        raise FileProblem("未找到可识别的表头：请使用目录模板（registry template）或检查列名", "no_header")
    return ParsedFile("", resources, items)


def _read_xlsx(path: Path) -> ParsedFile:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise FileProblem("文件已损坏，无法作为 xlsx 打开", "corrupt_file") from exc
    except (KeyError, OSError, ValueError) as exc:
        raise FileProblem("文件不是有效的 xlsx 工作簿", "corrupt_file") from exc
    try:
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FileProblem("工作表内容已损坏", "corrupt_file") from exc
    finally:
        wb.close()
    parsed = _split_sheets(sheets)
    parsed.kind = "xlsx"
    return parsed


def _read_ole2(path: Path) -> ParsedFile:
    data = path.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data:
        raise FileProblem("工作簿设置了打开密码，请取消密码后再导入", "password_protected")
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except xlrd.XLRDError as exc:
        message = str(exc)
        if "encrypt" in message.lower() or "password" in message.lower():
            raise FileProblem("工作簿设置了打开密码，请取消密码后再导入", "password_protected") from exc
        raise FileProblem("无法读取该 xls/et 文件", "corrupt_file") from exc
    sheets = {}
    for sh in book.sheets():
        rows = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype == xlrd.XL_CELL_EMPTY:
                    row.append(None)
                else:
                    row.append(cell.value)
            rows.append(row)
        sheets[sh.name] = rows
    parsed = _split_sheets(sheets)
    parsed.kind = "xls"
    return parsed


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or GB18030, decoded strictly: never a silent wrong guess."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem("无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8 和 GB18030）", "unknown_encoding")


def _read_csv(path: Path) -> ParsedFile:
    text, encoding = decode_text(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    parsed = _split_sheets({"CSV": rows})
    parsed.kind = f"csv/{encoding}"
    return parsed


def _read_json(path: Path) -> ParsedFile:
    text, _ = decode_text(path.read_bytes())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(f"JSON 格式错误（第 {exc.lineno} 行）", "bad_json") from exc
    records = data.get("resources") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise FileProblem("JSON 应为资源列表，或含 resources 列表的对象", "bad_json")
    res_fields = {c.field for c in RESOURCE_COLUMNS}
    res_index, item_index = header_index(RESOURCE_COLUMNS), header_index(ITEM_COLUMNS)
    resources, items = [], []
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise FileProblem(f"第 {n} 条资源不是对象", "bad_json")
        values = {}
        for k, v in rec.items():
            if k == "items":
                continue
            f = k if k in res_fields else (res_index.get(normalise_header(k)).field
                                           if normalise_header(k) in res_index else None)
            if f:
                values[f] = v
        values.setdefault("key", n)
        resources.append(Row("JSON", n, values, {k: k for k in values}))
        for m, it in enumerate(rec.get("items") or [], start=1):
            ivals = {}
            for k, v in (it or {}).items():
                col = next((c for c in ITEM_COLUMNS if c.field == k), None) or item_index.get(normalise_header(k))
                if col:
                    ivals[col.field] = v
            ivals["key"] = values["key"]
            items.append(Row(f"JSON#{n}.items", m, ivals, {k: k for k in ivals}))
    return ParsedFile("json", resources, items)
