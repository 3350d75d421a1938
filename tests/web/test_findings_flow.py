"""问题与整改 in the browser, on SQLite and PostgreSQL: the list filtered and counted; a
finding's page says what was found, why it matters, and which project Art. 17 holds;
the department reports rectification with its plan; the reviewer must give a reason to
resolve, and then does."""

from __future__ import annotations

from registry.db import db, utcnow
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
    assert page.locator("#finding-act").count() == 0  # resolving is the reviewer's
    page.fill("#f-plan", "完成系统目录登记")
    page.fill("#f-due_date", "2099-06-30")
    page.get_by_role("button", name="报告整改中").click()
    assert "已报告整改中" in editor.flash()
    assert page.locator("#finding-status").inner_text() == "整改中：完成系统目录登记"
    assert "2099-06-30" in page.locator("#plan").inner_text()
    assert page.locator("#overdue").count() == 0
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
    assert "整改计划“完成系统目录登记”，2099-06-30 前完成" in rpage.locator("#history").inner_text()
    reviewer.shot("finding")
    reviewer.go(f"/departments/{site.world.dept_a}")
    assert rpage.locator("#art17-block").count() == 0
    assert "无" in rpage.locator("#open-findings").inner_text()
    reviewer.go("/findings?status=resolved")
    assert rpage.locator("#finding-total").inner_text().startswith("共 1 项")


def test_overdue_findings_come_first_and_filter(site, people):
    from datetime import date, timedelta

    today = date.today()
    with site.app.app_context():
        db.session.add_all(
            [
                Finding(
                    kind=kind,
                    fingerprint=f"web:overdue:{n}",
                    subject_type="resource",
                    subject_id=n,
                    department_id=site.world.dept_a,
                    title=title,
                    status=status,
                    due_date=due,
                    plan="整改" if due else None,
                    history=[],
                )
                for n, (kind, title, status, due) in enumerate(
                    [
                        ("stale_resource", "逾期未整改的资源", "rectifying", today - timedelta(2)),
                        ("stale_resource", "按期整改中的资源", "rectifying", today + timedelta(30)),
                        ("unshared_resource", "已解决的问题", "resolved", None),
                    ]
                )
            ]
        )
        db.session.commit()
        # The overdue one is the oldest: it comes first for being overdue, not for being new.
        db.session.execute(
            Finding.__table__.update()
            .where(Finding.fingerprint == "web:overdue:0")
            .values(updated_at=utcnow() - timedelta(days=40))
        )
        db.session.commit()
    reviewer = people(site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/findings")
    titles = page.locator("#findings tbody tr td:first-child").all_inner_texts()
    assert titles[0] == "逾期未整改的资源"
    assert titles[-1] == "已解决的问题"
    assert "已逾期" in page.locator("#findings tbody tr").first.inner_text()
    reviewer.shot("findings")
    page.check("input[name=overdue]")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("#findings tbody tr td:first-child").all_inner_texts() == [
        "逾期未整改的资源"
    ]
    with site.app.app_context():
        from registry.services.findings import list_findings

        overdue = db.session.scalars(list_findings(overdue_on=today)).all()
        assert [f.title for f in overdue] == ["逾期未整改的资源"]


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
    reviewer.wait_for_run()
    assert "分析已完成" in reviewer.flash()
    assert "新发现" in page.locator("#run-changes").inner_text()
    # The test world's departments have no confirmed 职能: the run says what that costs.
    assert "有 2 个部门的职能尚未确认" in page.locator("#run-warnings").inner_text()
    assert page.locator("#run-by-kind tbody tr").count() >= 1
    reviewer.shot("analysis-run")
    reviewer.go("/findings/runs")
    assert page.locator("#runs tbody tr").count() == 1

    editor = people(site)
    epage = editor.sign_in("editor_a")
    editor.go("/findings/runs")
    assert epage.locator("#start-run").count() == 0  # reading, not running


def test_a_running_analysis_shows_its_progress(sqlite_site, people):
    """The progress page as any worker shows it, from the run's progress file: its steps
    while it runs (refreshing itself), its error when it failed."""
    from registry.services.analyses import RunProgress

    progress = RunProgress(sqlite_site.app.instance_path, "abc123")
    progress.write(
        state="running", scope="all", actor="reviewer", started_at=utcnow().isoformat(), messages=[]
    )
    progress.step("已匹配数据元 120 项")
    progress.step("已分析 all（1）")
    reviewer = people(sqlite_site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/findings/runs/progress/abc123")
    assert page.locator("#run-steps li").all_inner_texts() == [
        "已匹配数据元 120 项",
        "已分析 all（1）",
    ]
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    progress.write(**progress.read() | {"state": "failed", "error": "数据库不可用"})
    reviewer.go("/findings/runs/progress/abc123")
    assert "数据库不可用" in page.locator("#run-error").inner_text()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert reviewer.go("/findings/runs/progress/nosuchrun").status == 404
    assert reviewer.go("/findings/runs/progress/..%2Fsecret").status == 404


def test_an_overlap_finding_shows_the_items_side_by_side(sqlite_site, people):
    """Art. 9(6) from the items: the page puts the two systems' items side by side and
    says which bound was crossed (issue #15)."""
    from tests.helpers import ApiClient
    from tests.test_item_overlap import analyse, seed

    seed(ApiClient(sqlite_site.app.test_client(), sqlite_site.world))
    (found,) = analyse(sqlite_site.app)
    reviewer = people(sqlite_site)
    page = reviewer.sign_in("reviewer")
    reviewer.go(f"/findings/{found.id}")
    assert "建设内容重叠" in page.locator("h1").inner_text()
    rows = page.locator("#overlap-items tbody tr").all_inner_texts()
    assert any("案件编号" in r and "案件号" in r for r in rows)
    assert "≥" in page.locator("#overlap-why").inner_text()
    assert "信息项" in page.locator("#overlap-dimensions").inner_text()
    assert page.locator("#evidence").inner_text().count("{") == 0  # no raw JSON
    reviewer.shot("finding-overlap")
    # A department clerk reading it on a phone: nothing runs off the side.
    clerk = people(sqlite_site, width=390)
    cpage = clerk.sign_in("editor_a")
    clerk.go(f"/findings/{found.id}")
    assert cpage.locator("#overlap-items").is_visible()
    assert cpage.evaluate("() => document.documentElement.scrollWidth") <= 390
    clerk.shot("finding-overlap-phone")
