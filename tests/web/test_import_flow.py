"""The workbook import in the browser, on SQLite and PostgreSQL: a bad row is shown at its
sheet, row and column and nothing is applied; the corrected workbook shows its plan and
is applied on confirmation."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from importers.writers import write_xlsx
from registry.db import db
from registry.models import CatalogImport, Resource


def _record(n: int, **overrides) -> dict:
    return {
        "classification_code": "307001",
        "name": f"表格导入的民政资源{n}",
        "summary": "由目录表格导入",
        "format_class": "电子表格",
        "format_detail": "xlsx",
        "share_type": "无条件共享",
        "share_method_class": "共享平台方式",
        "share_method_platform": "文件",
        "open_type": "不予开放",
        "update_cycle": "每季度",
        "publish_date": "2026-10-01",
        "items": [
            {"name": "单位名称", "data_type": "字符型C", "length": 100},
            {"name": "登记日期", "data_type": "日期型D"},
        ],
        **overrides,
    }


def _workbook(path, records) -> None:
    buf = io.BytesIO()
    write_xlsx(records, buf)
    path.write_bytes(buf.getvalue())


def _resources(site) -> int:
    with site.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resource))


def test_a_bad_row_is_shown_where_it_is_and_nothing_applies(site, people, tmp_path):
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    bad, good = tmp_path / "目录-有误.xlsx", tmp_path / "目录.xlsx"
    _workbook(bad, [_record(1), _record(2, update_cycle="每十年")])
    _workbook(good, [_record(1), _record(2)])

    page.click("text=导入目录表格")
    page.set_input_files("#file", str(bad))
    page.click("text=上传并生成导入计划")
    assert page.locator("#import-result").get_attribute("data-status") == "rejected"
    row = page.locator("#problems tbody tr", has_text="更新周期")
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "信息资源" and cells[1] == "3", cells  # the second resource's row
    assert cells[2] and cells[3] == f"信息资源!{cells[2]}3", cells
    clerk.shot("import-problems")
    assert page.locator("#apply-import").count() == 0
    assert _resources(site) == 0

    page.set_input_files("#file", str(good))
    page.click("text=上传并生成导入计划")
    assert page.locator("#import-result").get_attribute("data-status") == "planned"
    assert "新增 2 项" in page.locator("#import-result").inner_text()
    clerk.shot("import-plan")
    assert _resources(site) == 0  # a plan writes nothing
    page.click("#apply-import")
    assert "导入完成：新增 2 项" in clerk.flash()
    assert _resources(site) == 2
    assert page.locator("#catalog tr", has_text="表格导入的民政资源2").count() == 1
    with site.app.app_context():
        statuses = list(db.session.scalars(select(CatalogImport.status).order_by(CatalogImport.id)))
    # Both uploads are dry runs on the record (the first with its problems), then the apply.
    assert statuses == ["planned", "planned", "applied"]


def test_a_plan_cannot_be_applied_by_someone_else(site, people, tmp_path):
    mine = tmp_path / "目录.xlsx"
    _workbook(mine, [_record(1)])
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    clerk.go("/workspace/import")
    page.set_input_files("#file", str(mine))
    page.click("text=上传并生成导入计划")
    token = page.locator("input[name=token]").input_value()
    import_id = page.locator("input[name=import_id]").input_value()

    other = people(site)
    other_page = other.sign_in("admin")
    other.go("/workspace/import")
    csrf = other_page.locator("input[name=csrf_token]").first.input_value()
    response = other_page.request.post(
        site.url("/workspace/import/apply"),
        form={"token": token, "import_id": import_id, "csrf_token": csrf},
    )
    assert response.status == 422 and "导入计划已失效" in response.text()
    assert _resources(site) == 0
