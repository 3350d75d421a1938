"""概览 in the browser, on SQLite and PostgreSQL: each figure is the count of the list it
links to, each chart has its table, and Art. 17's hold on projects is counted."""

from __future__ import annotations

from registry.db import db
from registry.models import Finding, Project

from ..factories import resource_in


def test_the_dashboard_counts_what_its_links_list(site, people):
    w = site.world
    with site.app.app_context():
        for status, n in (("published", 3), ("submitted", 2), ("draft", 1)):
            for _ in range(n):
                resource_in(w.dept_a_code, status)
        resource_in(w.dept_b_code, "published")
        db.session.add_all(
            [
                Finding(
                    kind="duplicate_collection",
                    fingerprint=f"dash:{n}",
                    subject_type="system",
                    subject_id=n,
                    department_id=w.dept_a,
                    title=f"系统 {n} 重复采集公民身份号码",
                    history=[],
                )
                for n in range(3)
            ]
            + [
                Finding(
                    kind="stale_resource",
                    fingerprint="dash:stale",
                    subject_type="resource",
                    subject_id=1,
                    department_id=w.dept_b,
                    title="资源未按周期更新",
                    status="resolved",
                    history=[],
                ),
                Project(
                    code="XM-D1",
                    name="被暂停的项目",
                    lead_department_id=w.dept_a,
                    investment=100,
                    stage="construction",
                ),
                Project(
                    code="XM-D2",
                    name="未受影响的项目",
                    lead_department_id=w.dept_b,
                    investment=100,
                    stage="construction",
                ),
            ]
        )
        db.session.commit()

    reviewer = people(site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/dashboard")
    figures = page.locator("#key-figures li").all_inner_texts()
    assert figures[0].startswith("4") and "已发布" in figures[0]
    assert figures[1].startswith("2") and "待审核" in figures[1]
    assert figures[2].startswith("3") and "待整改" in figures[2]  # the resolved one is not
    assert figures[3].startswith("1") and "暂停" in figures[3]

    def table(chart: str) -> dict[str, str]:
        """A chart's table (folded away under 数据表, so read as text, not as rendered)."""
        return dict(
            page.locator(f"#{chart}-table tbody tr").evaluate_all(
                "rows => rows.map(r => [...r.cells].slice(0, 2).map(c => c.textContent))"
            )
        )

    assert table("chart-status")["已发布"] == "4"
    assert table("chart-queue")["1 天内"] == "2"
    assert table("chart-finding-kinds") == {"重复采集": "3"}
    assert table("chart-finding-departments") == {"县公安局": "3"}
    assert table("chart-stages")["建设实施（1）"] == "2"
    # 县公安局: 3 published, none through the platform (the least served first).
    assert table("chart-platform")["县公安局"] == "0%"
    assert page.locator("#chart-finding-kinds svg a").count() == 1
    reviewer.shot("dashboard")

    # The bar links to the list behind it, which shows the same number.
    page.locator("#chart-finding-kinds svg a").first.click()
    assert page.locator("#finding-total").inner_text().startswith("共 3 项")
    reviewer.go("/dashboard")
    page.locator("#chart-stages-table").evaluate("t => t.closest('details').open = true")
    page.locator("#chart-stages-table a", has_text="2").first.click()
    assert page.locator("#project-total").inner_text() == "共 2 个项目"
    assert page.locator("#projects tbody tr", has_text="第十七条暂停").count() == 1


def test_governance_pages_fit_a_phone(sqlite_site, people):
    """At 390 px the dashboard, the lists and a project's page scroll only downwards."""
    with sqlite_site.app.app_context():
        project = Project(
            code="XM-PHONE",
            name="移动端项目",
            lead_department_id=sqlite_site.world.dept_a,
            investment=100,
            stage="feasibility",
        )
        db.session.add(project)
        db.session.commit()
        pid = project.id
    ndrc = people(sqlite_site, width=390)
    page = ndrc.sign_in("ndrc")
    for path in ("/dashboard", "/projects", f"/projects/{pid}", "/findings", "/graph"):
        ndrc.go(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        ndrc.shot("phone" + path.replace("/", "-"))
