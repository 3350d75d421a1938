"""问题与整改 in the browser, on SQLite and PostgreSQL: the list filtered and counted; a
finding's page says what was found, why it matters, and which project Art. 17 holds;
the department reports rectification with its plan; the reviewer must give a reason to
resolve, and then does."""

from __future__ import annotations

from registry.db import db
from registry.models import Finding, Project


def test_a_finding_from_its_list_to_resolved(site, people):
    with site.app.app_context():
        db.session.add_all(
            [
                Finding(
                    kind="not_in_system_catalog",
                    fingerprint="web:not_in_catalog",
                    subject_type="system",
                    subject_id=1,
                    department_id=site.world.dept_a,
                    title="县公安局治安管理系统未列入县政务信息系统目录",
                    evidence={"system": {"name": "治安管理系统", "code": "SYS-ZA"}},
                    history=[],
                ),
                Finding(
                    kind="duplicate_collection",
                    fingerprint="web:duplicate",
                    subject_type="system",
                    subject_id=2,
                    department_id=site.world.dept_b,
                    title="企业登记系统 重复采集数据元“公民身份号码”",
                    evidence={"items": ["法定代表人身份证号"], "item_count": 1},
                    history=[],
                ),
                Project(
                    code="XM-WEB-1",
                    name="智慧治安二期",
                    lead_department_id=site.world.dept_a,
                    investment=500,
                    stage="construction",
                ),
            ]
        )
        db.session.commit()

    editor = people(site)
    page = editor.sign_in("editor_a")
    # The department's page says what it must rectify and what is held meanwhile.
    editor.go(f"/departments/{site.world.dept_a}")
    assert "未列入县政务信息系统目录" in page.locator("#open-findings").inner_text()
    assert page.locator("#art17-block").count() == 1
    assert "因未整改问题暂停" in page.locator("#projects").inner_text()
    editor.go("/findings")
    assert page.locator("#finding-total").inner_text().startswith("共 2 项")
    assert "系统未列入系统目录" in page.locator("#kind-chart").inner_html()
    page.select_option("select[name=kind]", "not_in_system_catalog")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("#finding-total").inner_text().startswith("共 1 项")
    page.locator("#findings a").first.click()
    assert "第十七条" in page.locator("#finding-advice").inner_text()
    assert "XM-WEB-1 智慧治安二期" in page.locator("#blocked").inner_text()
    assert "确认已解决" not in page.locator("#finding-act").inner_text()  # the reviewer's
    page.fill("#reason", "6 月底前完成系统目录登记")
    page.get_by_role("button", name="报告整改中").click()
    assert "已报告整改中" in editor.flash()
    assert page.locator("#finding-status").inner_text() == "整改中：6 月底前完成系统目录登记"
    url = page.url

    reviewer = people(site)
    rpage = reviewer.sign_in("reviewer")
    reviewer.go(url.removeprefix(site.base))
    rpage.get_by_role("button", name="确认已解决").click()
    assert "须说明原因" in rpage.locator(".alert").inner_text()
    rpage.fill("#reason", "已列入县政务信息系统目录（第 12 号）")
    rpage.get_by_role("button", name="确认已解决").click()
    assert "已解决" in rpage.locator("#finding-status").inner_text()
    assert rpage.locator("#blocked").count() == 0  # nothing held any more
    assert rpage.locator("#history li").count() == 2
    reviewer.shot("finding")
    reviewer.go(f"/departments/{site.world.dept_a}")
    assert rpage.locator("#art17-block").count() == 0
    assert "无" in rpage.locator("#open-findings").inner_text()
    reviewer.go("/findings?status=resolved")
    assert rpage.locator("#finding-total").inner_text().startswith("共 1 项")


def test_a_reviewer_runs_an_analysis_and_reads_what_changed(site, people):
    reviewer = people(site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/findings/runs")
    page.select_option("select[name=scope_kind]", "department")
    page.fill("input[name=scope_value]", "不存在的部门")
    page.get_by_role("button", name="运行分析").click()
    assert page.locator(".alert").count() == 1  # the scope names nothing: said, nothing run
    assert page.locator("#runs").count() == 0
    page.select_option("select[name=scope_kind]", "all")
    page.fill("input[name=scope_value]", "")
    page.get_by_role("button", name="运行分析").click()
    assert "分析已完成" in reviewer.flash()
    assert "新发现" in page.locator("#run-changes").inner_text()
    reviewer.shot("analysis-run")
    reviewer.go("/findings/runs")
    assert page.locator("#runs tbody tr").count() == 1

    editor = people(site)
    epage = editor.sign_in("editor_a")
    editor.go("/findings/runs")
    assert epage.locator("#start-run").count() == 0  # reading, not running
