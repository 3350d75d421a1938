"""Readers of the files departments bring: .xlsx, .xls/.et, CSV (UTF-8, UTF-8 with BOM,
GB18030) and JSON. Each yields rows of {field: raw value} with where they came from; no
database, no validation beyond recognising the file and its header.

Tolerated, because real spreadsheets do it: header synonyms, spaces and full-width
characters in headers, a title row above the header, merged cells (filled down), blank
rows, trailing note rows, numbers stored as text and dates as Excel serials.
"""

from __future__ import annotations

import csv
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
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


@dataclass(slots=True)
class Row:
    sheet: str
    row: int
    values: dict[str, Any] | None
    columns: dict[str, str] = field(
        default_factory=dict
    )  # field → column label, shared by a sheet's rows


@dataclass
class ParsedFile:
    """Resource rows as a list; item rows (or, in the flattened layout, pairs of resource
    and item rows) as an iterator, so 2.4 million item rows never sit in memory at once."""

    kind: str
    resources: list[Row]
    items: Iterable[Row]
    flattened: bool = False  # one row per item, resource columns repeated (CSV layout)
    pairs: Iterable[tuple[Row, Row]] = ()
    # Releases the open file once ``items`` has been read (a workbook streams its rows).
    close: Callable[[], None] = lambda: None


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


def read_file(
    path: Path,
    *,
    max_bytes: int,
    max_csv_bytes: int | None = None,
    max_rows: int | None = None,
    max_unpacked_bytes: int | None = None,
) -> ParsedFile:
    """``max_csv_bytes``: a separate limit for CSV, which is streamed (the command line
    takes a province's catalog this way); workbooks are read whole and keep ``max_bytes``,
    at most ``max_rows`` rows over all sheets and, for .xlsx, ``max_unpacked_bytes``
    once unpacked (a small .xlsx can unpack to millions of rows)."""
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("文件为空", "empty_file")
    with path.open("rb") as f:
        head = f.read(8192)
    kind = sniff(head, path.name)
    limit = max_csv_bytes if kind == "csv" and max_csv_bytes is not None else max_bytes
    if size > limit:
        raise FileProblem(
            f"文件过大（{size / 2**20:.0f} MB），上限为 {limit / 2**20:.0f} MB；"
            "请拆分文件，或用命令行以 CSV 分批导入",
            "file_too_large",
        )
    if kind == "xlsx":
        return _read_xlsx(path, max_rows, max_unpacked_bytes)
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


def _find_header(
    rows: list[list[Any]], index: dict[str, Column]
) -> tuple[int, dict[int, Column]] | None:
    best = None
    for n, row in enumerate(rows[:MAX_HEADER_SCAN]):
        found = {
            i: index[normalise_header(v)]
            for i, v in enumerate(row)
            if v is not None and normalise_header(v) in index
        }
        required = sum(1 for c in found.values() if c.required)
        if required >= 2 and (best is None or len(found) > len(best[1])):
            best = (n, found)
    if best is not None and best[0] + 1 < len(rows):
        # The 编制指南's two-row header: 共享方式 (merged) over 共享方式分类 | 共享方式类型.
        # A next row holding nothing but known labels refines the columns below it.
        below = rows[best[0] + 1]
        labels = {
            i: normalise_header(v)
            for i, v in enumerate(below)
            if v is not None and (not isinstance(v, str) or v.strip())
        }
        if labels and all(label in index for label in labels.values()):
            best = (best[0] + 1, {**best[1], **{i: index[label] for i, label in labels.items()}})
    return best


def _is_note(values: list[Any]) -> bool:
    """A blank row, or a single-cell note such as “注：带*为必填项”."""
    filled = None
    for v in values:
        if v is not None and (not isinstance(v, str) or v.strip()):
            if filled is not None:
                return False
            filled = v
    return filled is None or str(filled).strip().startswith(NOTE_PREFIXES)


def _values(raw: list[Any], mapping: dict[int, Column]) -> dict[str, Any]:
    out = {}
    width = len(raw)
    for i, col in mapping.items():
        if i < width:
            v = raw[i]
            if v is not None and (not isinstance(v, str) or v.strip()):
                out[col.field] = v
    return out


def _table_rows(
    sheet: str,
    rows: Iterable[list[Any]],
    mapping: dict[int, Column],
    first_row: int,
    fill_down: set[str],
) -> Iterator[Row]:
    last: dict[str, Any] = {}
    columns = {col.field: _label(i) for i, col in mapping.items()}
    for n, raw in enumerate(rows, start=first_row):
        if _is_note(raw):
            continue
        values = _values(raw, mapping)
        for f in fill_down:  # merged cells arrive as blanks below the first
            if f in values:
                last[f] = values[f]
            elif f in last:
                values[f] = last[f]
        yield Row(sheet, n, values, columns)


def _split_sheets(sheets: Iterable[tuple[str, Iterator[list[Any]]]]) -> ParsedFile:
    """``sheets``: (name, row iterator) pairs; only the first rows are looked at up front."""
    res_index, item_index = header_index(RESOURCE_COLUMNS), header_index(ITEM_COLUMNS)
    resources: list[Row] = []
    item_iters: list[Iterator[Row]] = []
    for name, row_iter in sheets:
        head = list(itertools.islice(row_iter, MAX_HEADER_SCAN))
        res, itm = _find_header(head, res_index), _find_header(head, item_index)
        item_fields = {c.field for c in itm[1].values()} if itm else set()
        if res and itm and res[0] == itm[0] and {"name", "data_type"} <= item_fields:
            # One sheet holding both: the flattened layout, one row per data item.
            body = itertools.chain(head[res[0] + 1 :], row_iter)
            res_cols = {c.field: _label(i) for i, c in res[1].items()}
            item_cols = {c.field: _label(i) for i, c in itm[1].items()}
            pairs = (
                (
                    Row(name, n, _values(raw, res[1]), res_cols),
                    Row(name, n, _values(raw, itm[1]), item_cols),
                )
                for n, raw in enumerate(body, start=res[0] + 2)
                if not _is_note(raw)
            )
            return ParsedFile("", [], (), flattened=True, pairs=pairs)
        if itm and (name.startswith(ITEM_SHEET) or not res or len(itm[1]) > len(res[1])):
            body = itertools.chain(head[itm[0] + 1 :], row_iter)
            item_iters.append(_table_rows(name, body, itm[1], itm[0] + 2, {"key", "resource_code"}))
        elif res:
            body = itertools.chain(head[res[0] + 1 :], row_iter)
            resources.extend(_table_rows(name, body, res[1], res[0] + 2, set()))
    if not resources and not item_iters:
        raise FileProblem(
            "未找到可识别的表头：请使用目录模板（registry template）或检查列名", "no_header"
        )
    return ParsedFile("", resources, itertools.chain.from_iterable(item_iters))


def _read_xlsx(
    path: Path, max_rows: int | None = None, max_unpacked_bytes: int | None = None
) -> ParsedFile:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileProblem("文件已损坏，无法作为 xlsx 打开", "corrupt_file") from exc
    if max_unpacked_bytes is not None and unpacked > max_unpacked_bytes:
        raise FileProblem(
            f"工作簿解压后过大（{unpacked / 2**20:.0f} MB），"
            f"上限为 {max_unpacked_bytes / 2**20:.0f} MB；"
            "请拆分文件，或另存为 CSV 用命令行分批导入",
            "workbook_too_large",
        )
    seen = 0
    # A file object, not the path: openpyxl judges a path by its extension, and what we
    # read was recognised by its content (an upload may be named anything).
    handle = path.open("rb")
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        handle.close()
        raise FileProblem("文件已损坏，无法作为 xlsx 打开", "corrupt_file") from exc
    except (KeyError, OSError, ValueError, InvalidFileException) as exc:
        handle.close()
        raise FileProblem("文件不是有效的 xlsx 工作簿", "corrupt_file") from exc

    def rows(ws) -> Iterator[list[Any]]:
        nonlocal seen
        try:
            for r in ws.iter_rows(values_only=True):
                seen += 1
                if max_rows is not None and seen > max_rows:
                    raise FileProblem(
                        f"工作簿超过 {max_rows} 行；请拆分文件，或另存为 CSV 用命令行分批导入",
                        "too_many_rows",
                    )
                yield list(r)
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
            raise FileProblem("工作表内容已损坏", "corrupt_file") from exc

    def close() -> None:
        wb.close()
        handle.close()

    try:
        parsed = _split_sheets((ws.title, rows(ws)) for ws in wb.worksheets)
    except BaseException:
        close()
        raise
    # Item rows stream from the open workbook while the records are assembled (400,000
    # of them never sit in memory as rows); assembling closes it.
    parsed.close = close
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
            raise FileProblem(
                "工作簿设置了打开密码，请取消密码后再导入", "password_protected"
            ) from exc
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
        sheets[sh.name] = iter(rows)
    parsed = _split_sheets(sheets.items())
    parsed.kind = "xls"
    return parsed


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or GB18030, decoded strictly: never a silent wrong guess."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8 和 GB18030）", "unknown_encoding"
    )


def _read_csv(path: Path) -> ParsedFile:
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(4096)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[list[Any]]:
        with path.open(encoding=encoding, newline="") as f:
            yield from csv.reader(f, dialect)

    parsed = _split_sheets([("CSV", rows())])
    parsed.kind = f"csv/{encoding}"
    return parsed


def _csv_encoding(path: Path) -> str:
    """Decide by decoding the whole file strictly, chunk by chunk, without holding it."""
    import codecs

    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8 和 GB18030）", "unknown_encoding"
    )


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
            f = (
                k
                if k in res_fields
                else (
                    res_index.get(normalise_header(k)).field
                    if normalise_header(k) in res_index
                    else None
                )
            )
            if f:
                values[f] = v
        values.setdefault("key", n)
        resources.append(Row("JSON", n, values, {k: k for k in values}))
        for m, it in enumerate(rec.get("items") or [], start=1):
            ivals = {}
            for k, v in (it or {}).items():
                col = next((c for c in ITEM_COLUMNS if c.field == k), None) or item_index.get(
                    normalise_header(k)
                )
                if col:
                    ivals[col.field] = v
            ivals["key"] = values["key"]
            items.append(Row(f"JSON#{n}.items", m, ivals, {k: k for k in ivals}))
    return ParsedFile("json", resources, items)
