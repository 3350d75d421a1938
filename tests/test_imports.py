"""Catalog import and export: real files, awkward files, atomic and idempotent imports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from catalog_schemas import ResourceSchema
from catalog_schemas.codes import FORMATS, NATIONAL_UPDATE_CYCLES
from importers.plan import assemble, payload
from importers.readers import FileProblem, read_file
from importers.writers import write_csv, write_json, write_xlsx
from registry.db import db
from registry.models import AuditEvent, CatalogImport, DataItem, Resource

from .helpers import resource_payload

DATA = Path(__file__).parent / "data" / "imports"
MB = 2**20


def _upload(api, who, content: bytes, name: str, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return api.as_(who).client.post(
        f"/api/v1/imports?{qs}",
        data={"file": (io.BytesIO(content), name)},
        headers={"Authorization": f"Bearer {api.world.tokens[who]}"},
        content_type="multipart/form-data",
    )


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _record(n: int, **kw) -> dict:
    base = resource_payload(name=f"导入资源{n}", classification_code="309001")
    base.pop("items")
    return {
        **base,
        "items": [{"name": f"信息项{k}", "data_type": "字符型C", "length": 20} for k in range(3)],
        **kw,
    }


def _xlsx(records) -> bytes:
    buf = io.BytesIO()
    write_xlsx(records, buf)
    return buf.getvalue()


def test_template_has_dropdowns_hints_and_an_example(app, api):
    r = api.as_("editor_a").get("/api/v1/imports/template")
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    res, items = wb["信息资源"], wb["信息项"]
    headers = [c.value for c in res[1]]
    assert "信息资源名称*" in headers and "共享类型*" in headers and "开放条件" in headers
    choices = {dv.formula1 for dv in res.data_validations.dataValidation}
    assert (
        len(choices) >= 6
        and any("有条件共享" in f for f in choices)
        and any("每季度" in f for f in choices)
    )
    assert any(c.comment for c in res[1])
    assert res.cell(row=2, column=headers.index("信息资源名称*") + 1).value == "人口基础信息"
    assert items.cell(row=2, column=3).value == "公民身份号码"
    assert "填表说明" in wb.sheetnames


def test_awkward_handmade_workbook(app, api):
    content = (DATA / "awkward.xlsx").read_bytes()
    r = _upload(
        api, "editor_a", content, "民政目录.xlsx", dry_run="true", department=api.world.dept_a_code
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["counts"]["resources"] == {"create": 2, "update": 0, "unchanged": 0}
    assert r.get_json()["counts"]["items"]["create"] == 5
    assert _count(app, Resource) == 0  # dry run
    r = _upload(api, "editor_a", content, "民政目录.xlsx", department=api.world.dept_a_code)
    assert r.status_code == 201, r.get_json()
    got = {x["name"]: x for x in api.as_("editor_a").get("/api/v1/resources").get_json()}
    first, second = got["社会救助对象信息"], got["婚姻登记信息"]
    assert first["format_detail"] == "oracle" and first["open_type"] == "不予开放"
    assert first["publish_date"] == "2026-01-01" and first["related_codes"] == [
        "101001/000001",
        "101001/000002",
    ]
    assert second["open_type"] == "有条件开放" and second["publish_date"] == "2026-01-05"
    items = api.as_("editor_a").get(f"/api/v1/resources/{first['id']}/items").get_json()
    assert [(i["name"], i["data_type"], i["length"], i["collection_mode"]) for i in items] == [
        ("姓名", "字符型C", 50, "obtained"),
        ("身份证号", "字符型C", 18, "obtained"),
        ("救助类型", "字符型C", 20, "collected"),
    ]


def test_problems_are_located_and_nothing_is_written(app, api):
    good, bad = (
        _record(1),
        _record(2, share_type="有条件共享", share_condition=None, update_cycle="每十年"),
    )
    bad["items"][1]["data_type"] = "字符"
    before = _count(app, AuditEvent)
    r = _upload(api, "editor_a", _xlsx([good, bad]), "目录.xlsx")
    assert r.status_code == 422 and r.get_json()["code"] == "import_rejected"
    problems = r.get_json()["errors"]["problems"]
    located = {(p["sheet"], p["row"], p["field"]) for p in problems}
    assert ("信息资源", 3, "update_cycle") in located and (
        "信息资源",
        3,
        "share_condition",
    ) in located
    assert ("信息项", 6, "data_type") in located  # the second item of the second resource
    assert all(p["column"] and p["message"] and p["code"] for p in problems)
    assert _count(app, Resource) == 0 and _count(app, DataItem) == 0
    run_id = r.get_json()["errors"]["import_id"]
    stored = api.as_("editor_a").get(f"/api/v1/imports/{run_id}").get_json()
    assert stored["status"] == "rejected" and stored["problem_count"] == len(problems)
    assert _count(app, AuditEvent) == before + 1  # only the import's own record


def test_duplicate_item_names_are_a_located_problem(app, api):
    rec = _record(1)
    rec["items"].append(dict(rec["items"][0]))
    r = _upload(api, "editor_a", _xlsx([rec]), "重复.xlsx")
    assert r.status_code == 422
    problem = r.get_json()["errors"]["problems"][0]
    assert (problem["sheet"], problem["row"], problem["field"]) == (
        "信息项",
        5,
        "name",
    ) and "重复" in problem["message"]


def test_atomic_idempotent_patch_semantics_and_audit(app, api):
    records = [_record(n, open_type="有条件开放", open_condition="脱敏后开放") for n in range(3)]
    r = _upload(api, "editor_a", _xlsx(records), "目录.xlsx")
    assert r.status_code == 201 and r.get_json()["counts"]["resources"]["create"] == 3
    run_id = r.get_json()["id"]
    with app.app_context():
        causes = db.session.scalars(
            select(AuditEvent.cause).where(AuditEvent.action == "resource.create")
        ).all()
    assert causes == [f"import:{run_id}"] * 3
    again = _upload(api, "editor_a", _xlsx(records), "目录.xlsx")
    assert again.get_json()["counts"]["resources"] == {"create": 0, "update": 0, "unchanged": 3}
    # matched by provider and name; a blank cell keeps, #清空 clears
    edit = [
        {"name": "导入资源0", "summary": "新摘要"},
        {"name": "导入资源1", "open_type": "无条件开放", "open_condition": "#清空"},
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "信息资源"
    ws.append(["信息资源名称", "信息资源摘要", "开放属性", "开放条件", "信息资源分类", "共享类型"])
    for e in edit:
        ws.append(
            [e["name"], e.get("summary"), e.get("open_type"), e.get("open_condition"), None, None]
        )
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(api, "editor_a", buf.getvalue(), "修改.xlsx")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["counts"]["resources"] == {"create": 0, "update": 2, "unchanged": 0}
    got = {x["name"]: x for x in api.as_("editor_a").get("/api/v1/resources").get_json()}
    assert (
        got["导入资源0"]["summary"] == "新摘要"
        and got["导入资源0"]["open_condition"] == "脱敏后开放"
    )
    assert (
        got["导入资源1"]["open_condition"] is None and got["导入资源1"]["open_type"] == "无条件开放"
    )
    assert (
        api.as_("editor_a").get(f"/api/v1/resources/{got['导入资源0']['id']}/items").get_json()
    )  # items kept


def test_editor_imports_only_own_department(app, api):
    r = _upload(
        api, "editor_a", _xlsx([_record(1, provider_code=api.world.dept_b_code)]), "目录.xlsx"
    )
    assert r.status_code == 422
    assert r.get_json()["errors"]["problems"][0]["code"] == "other_department"
    assert _upload(api, "reviewer", _xlsx([_record(1)]), "目录.xlsx").status_code == 403


def test_csv_encodings_and_json(app, api):
    text = io.StringIO()
    write_csv([_record(1)], text)
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        r = _upload(
            api,
            "editor_a",
            text.getvalue().encode(encoding),
            f"目录-{encoding}.csv",
            dry_run="true",
        )
        assert r.status_code == 201, (encoding, r.get_json())
        assert (
            r.get_json()["kind"].startswith("csv/")
            and r.get_json()["counts"]["items"]["create"] == 3
        )
    r = _upload(api, "editor_a", b"\x80\x80\x80,\x81\xff", "乱码.csv")
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_encoding"
    js = io.StringIO()
    write_json([_record(1)], js)
    r = _upload(api, "editor_a", js.getvalue().encode(), "目录.json", dry_run="true")
    assert r.status_code == 201 and r.get_json()["counts"]["resources"]["create"] == 1


def test_bad_files(app, api, tmp_path):
    good = _xlsx([_record(1)])
    cases = {
        "corrupt_file": (good[: len(good) // 2], "截断.xlsx"),
        "password_protected": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 512
            + "EncryptionInfo".encode("utf-16-le")
            + b"\x00" * 512,
            "加密.xlsx",
        ),
        "not_a_spreadsheet": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "图片.xlsx"),
        "no_header": (_xlsx_rows([["随便", "什么"], [1, 2]]), "无表头.xlsx"),
    }
    for code, (content, name) in cases.items():
        r = _upload(api, "editor_a", content, name)
        assert r.status_code == 422 and r.get_json()["code"] == code, (code, r.get_json())
    assert _count(app, Resource) == 0
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (2 * MB))
    try:
        read_file(big, max_bytes=MB)
    except FileProblem as exc:
        assert exc.code == "file_too_large"
    else:
        raise AssertionError("a file over the limit was read")


def test_oversized_upload_is_refused_before_reading(database_url, tmp_path):
    from .conftest import make_app
    from .helpers import ApiClient, build_world

    app = make_app(database_url, tmp_path, IMPORT_MAX_BYTES=MB, MAX_CONTENT_LENGTH=MB)
    from registry.db import Database

    state = Database.state(app)
    conn = state.engine.connect()
    outer = conn.begin()
    state.bind_to(conn)
    try:
        api = ApiClient(app.test_client(), build_world(app))
        # a raw body (the test client would spool a multipart upload this size to a temp file)
        r = api.client.post(
            "/api/v1/imports",
            data=b"x" * (2 * MB),
            content_type="multipart/form-data; boundary=----x",
            headers={"Authorization": f"Bearer {api.world.tokens['editor_a']}"},
        )
        assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"
    finally:
        outer.rollback()
        conn.close()
        state.engine.dispose()


def _xlsx_rows(rows) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_export_edit_import_round_trip_in_the_database(app, api):
    for n in range(3):
        api.create_resource(name=f"资源{n}")
    r = api.as_("editor_a").get(f"/api/v1/exports?format=xlsx&department_id={api.world.dept_a}")
    assert r.status_code == 200
    again = _upload(api, "editor_a", r.data, "导出.xlsx")
    assert again.get_json()["counts"]["resources"] == {"create": 0, "update": 0, "unchanged": 3}
    for fmt in ("csv", "json"):
        r = api.as_("editor_a").get(
            f"/api/v1/exports?format={fmt}&department_id={api.world.dept_a}"
        )
        back = _upload(api, "editor_a", r.data, f"导出.{fmt}")
        assert back.get_json()["counts"]["resources"]["unchanged"] == 3, (fmt, back.get_json())


texts = st.text(
    alphabet=st.sampled_from("政务数据资源共享信息目录人口法人abc123（）、：-"),
    min_size=1,
    max_size=20,
)
items = st.lists(
    st.fixed_dictionaries(
        {
            "data_type": st.sampled_from(["字符型C", "数值型N", "日期型D", "整型I"]),
            "length": st.one_of(st.none(), st.integers(1, 4000)),
            "description": st.one_of(st.none(), texts),
            "collection_mode": st.sampled_from(["collected", "obtained"]),
        }
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def catalogs(draw):
    records = []
    for n in range(draw(st.integers(1, 4))):
        share = draw(st.sampled_from(["无条件共享", "有条件共享", "不予共享"]))
        fmt = draw(st.sampled_from(["数据库", "电子表格", "电子文件"]))
        rec = {
            "classification_code": draw(st.sampled_from(["101001", "203002", "307015"])),
            "name": f"资源{n}{draw(texts)}",
            "summary": draw(texts),
            "format_class": fmt,
            "format_detail": FORMATS[fmt][0],
            "share_type": share,
            "open_type": draw(st.sampled_from(["无条件开放", "不予开放"])),
            "update_cycle": draw(st.sampled_from(NATIONAL_UPDATE_CYCLES)),
            "publish_date": draw(
                st.dates(
                    min_value=__import__("datetime").date(2000, 1, 1),
                    max_value=__import__("datetime").date(2030, 12, 31),
                )
            ).isoformat(),
            "related_codes": draw(
                st.lists(st.sampled_from(["101001/000001", "203002/000009"]), unique=True)
            ),
        }
        if share == "有条件共享":
            rec["share_condition"] = draw(texts)
        if share == "不予共享":
            rec["share_condition"] = "《统计法》第九条"
        else:
            rec["share_method_class"] = "共享平台方式"
            rec["share_method_platform"] = "接口"
        its = draw(items)
        rec["items"] = [
            {"name": f"项{k}", **{k2: v for k2, v in it.items() if v is not None}}
            for k, it in enumerate(its)
        ]
        records.append(rec)
    return records


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=catalogs(), fmt=st.sampled_from(["xlsx", "csv", "json"]))
def test_round_trip_property(tmp_path, records, fmt):
    """export → import reads back every field of every generated catalog, in all three formats."""
    path = tmp_path / f"catalog.{fmt}"
    if fmt == "xlsx":
        write_xlsx(records, str(path))
    else:
        with path.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as f:
            (write_csv if fmt == "csv" else write_json)(records, f)
    parsed, problems = assemble(read_file(path, max_bytes=10 * MB))
    assert problems == []
    schema = ResourceSchema()
    expected = [schema.dump(schema.load(r)) for r in records]
    got = [schema.dump(schema.load(payload(rec.values, rec.items))) for rec in parsed]
    assert got == expected


def test_cli_import_export(app, api, tmp_path):
    runner = app.test_cli_runner()
    source = tmp_path / "in.xlsx"
    source.write_bytes(_xlsx([_record(1)]))
    dry = runner.invoke(args=["import", str(source), "--dry-run", "--as", "editor_a"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output[dry.output.index("{") :])["status"] == "planned"
    done = runner.invoke(args=["import", str(source), "--as", "editor_a"])
    assert done.exit_code == 0 and _count(app, Resource) == 1
    out = tmp_path / "out.csv"
    exported = runner.invoke(args=["export", "--format", "csv", "-o", str(out)])
    assert exported.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    template = tmp_path / "t.xlsx"
    assert (
        runner.invoke(args=["template", "-o", str(template)]).exit_code == 0
        and template.stat().st_size > 5000
    )
    assert _count(app, CatalogImport) == 2


def test_large_file_batches_commit_and_resume(app, api, tmp_path):
    from registry.services.imports import run_import

    from .helpers import SYSTEM

    path = tmp_path / "province.csv"
    records = [_record(n) for n in range(3)]
    records[2]["update_cycle"] = "每十年"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        write_csv(records, f)

    def run():
        from importers.plan import iter_records

        parsed = read_file(path, max_bytes=10 * MB)
        problems: list = []
        with app.app_context():
            result, _ = run_import(
                db.session,
                SYSTEM,
                records=iter_records(parsed, problems),
                problems=problems,
                filename=path.name,
                digest="-",
                kind=parsed.kind,
                dry_run=False,
                default_department_code=api.world.dept_a_code,
                batch_size=1,
                commit=db.session.commit,
            )
            db.session.commit()
            return result.status, result.checkpoint, result.counts["resources"], result.problems

    status, checkpoint, counts, problems = run()
    assert (status, checkpoint) == ("rejected", 2) and problems[0]["field"] == "update_cycle"
    assert _count(app, Resource) == 2  # the batches before the bad one are in, and on record
    records[2]["update_cycle"] = "每年"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        write_csv(records, f)
    status, checkpoint, counts, _ = run()
    assert status == "applied" and counts == {"create": 1, "update": 0, "unchanged": 2}
    assert _count(app, Resource) == 3


def test_legacy_xls_and_et(app, api):
    """.xls (and WPS .et, the same binary format) through xlrd, dates as real dates."""
    import datetime

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    res = book.add_sheet("信息资源")
    headers = [
        "资源序号",
        "信息资源名称",
        "信息资源分类",
        "信息资源摘要",
        "信息资源格式",
        "格式说明",
        "共享类型",
        "共享方式",
        "共享平台方式",
        "开放属性",
        "更新周期",
        "发布日期",
    ]
    row = [
        1,
        "旧版表格资源",
        "101001",
        "摘要",
        "数据库",
        "db2",
        "无条件共享",
        "共享平台方式",
        "库表",
        "不予开放",
        "每年",
        datetime.date(2024, 3, 5),
    ]
    for c, h in enumerate(headers):
        res.write(0, c, h)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, v in enumerate(row):
        res.write(1, c, v, date_style if isinstance(v, datetime.date) else xlwt.Style.default_style)
    items = book.add_sheet("信息项")
    for c, h in enumerate(["资源序号", "信息项名称", "数据类型", "数据长度"]):
        items.write(0, c, h)
    for r, (name, dtype, length) in enumerate(
        [("姓名", "字符型C", 50), ("出生日期", "日期型D", "")], start=1
    ):
        for c, v in enumerate([1, name, dtype, length]):
            items.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    for name in ("旧表.xls", "旧表.et"):
        r = _upload(api, "editor_a", buf.getvalue(), name, dry_run="true")
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["kind"] == "xls" and r.get_json()["counts"]["items"]["create"] == 2
    r = _upload(api, "editor_a", buf.getvalue(), "旧表.xls")
    got = api.as_("editor_a").get("/api/v1/resources?q=旧版").get_json()[0]
    assert got["publish_date"] == "2024-03-05" and got["item_count"] == 2


def test_a_departments_own_sheet_two_row_header_and_combined_cells(app, api):
    """The 编制指南's two-row header (共享方式 over 共享方式分类 | 共享方式类型), and a
    sheet that writes the share method in one cell, both read as the template is."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "信息资源"
    ws.append(["某县民政局政务信息资源目录"])
    top = [
        "信息资源分类",
        "信息资源名称",
        "信息资源摘要",
        "信息资源格式",
        "具体格式",
        "共享类型",
        "共享条件",
        "共享方式",
        None,
        "是否向社会开放",
        "更新周期",
        "发布日期",
    ]
    ws.append(top)
    ws.append([None] * 7 + ["共享方式分类", "共享方式类型"] + [None] * 3)
    ws.merge_cells(start_row=2, start_column=8, end_row=2, end_column=9)
    ws.append(
        [
            "101001",
            "两行表头资源",
            "摘要",
            "电子文件",
            "pdf",
            "有条件共享",
            "经审批",
            "共享平台方式",
            "接口(服务)",
            "否",
            "每月",
            "2026-02-01",
        ]
    )
    for n, cell in enumerate(["共享平台方式/接口", "共享平台方式（库表）", "平台-文件"]):
        ws.append(
            [
                "101001",
                f"合并单元格资源{n}",
                "摘要",
                "电子文件",
                "pdf",
                "有条件共享",
                "经审批",
                cell,
                None,
                "是",
                "每年",
                "2026-02-01",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    r = _upload(
        api, "editor_a", buf.getvalue(), "民政局目录.xlsx", department=api.world.dept_a_code
    )
    assert r.status_code == 201, r.get_json()
    got = {
        x["name"]: x for x in api.as_("editor_a").get("/api/v1/resources?page_size=50").get_json()
    }
    assert (
        got["两行表头资源"]["share_method_class"],
        got["两行表头资源"]["share_method_platform"],
    ) == ("共享平台方式", "接口")
    assert [got[f"合并单元格资源{n}"]["share_method_platform"] for n in range(3)] == [
        "接口",
        "库表",
        "文件",
    ]
    assert {got[f"合并单元格资源{n}"]["share_method_class"] for n in range(3)} == {"共享平台方式"}
