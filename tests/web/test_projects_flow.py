"""Projects, their gates and the confirmation in the browser, on SQLite and PostgreSQL:
Art. 17 holds a project until the department rectifies and a new analysis run agrees;
the 发改委 moves a project through its stages and is refused, with the rule, when the
evidence is missing; the department applies for the Art. 15 confirmation, the reviewer
issues it, the PDF opens with the session and its number verifies on the public page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from registry.db import db
from registry.models import Project

from ..factories import confirmable_project
from ..helpers import ApiClient


def _api(site) -> ApiClient:
    return ApiClient(site.app.test_client(), site.world)


def test_art17_banner_goes_when_the_department_rectifies(site, people):
    api = _api(site)
    pid, _ = confirmable_project(api, in_catalog=False, stage="feasibility", app=site.app)

    reviewer = people(site)
    rpage = reviewer.sign_in("reviewer")
    reviewer.go("/findings/runs")
    rpage.get_by_role("button", name="运行分析").click()
    reviewer.wait_for_run()
    assert "分析已完成" in reviewer.flash()

    editor = people(site)
    page = editor.sign_in("editor_a")
    editor.go(f"/projects/{pid}")
    banner = page.locator("#art17-banner")
    assert "第十七条" in banner.inner_text() and "未列入" in banner.inner_text()
    banner.locator("a").first.click()
    page.fill("#f-plan", "将一网通办系统列入县政务信息系统目录")
    page.fill("#f-due_date", (date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="报告整改中").click()
    assert "整改中" in page.locator("#finding-status").inner_text()
    finding_url = page.url

    # The department changes its catalog: the system is now in the system catalog.
    system = api.as_("editor_a").get("/api/v1/systems").get_json()[0]
    etag = api.as_("editor_a").get(f"/api/v1/systems/{system['id']}").headers["ETag"]
    r = api.as_("editor_a").patch(
        f"/api/v1/systems/{system['id']}", json={"in_system_catalog": True}, etag=etag
    )
    assert r.status_code == 200, r.get_json()

    reviewer.go("/findings/runs")
    rpage.get_by_role("button", name="运行分析").click()
    reviewer.wait_for_run()
    assert "已自行消除" in rpage.locator("main").inner_text()
    reviewer.go(finding_url.removeprefix(site.base))
    assert "已解决" in rpage.locator("#finding-status").inner_text()
    editor.go(f"/projects/{pid}")
    assert page.locator("#art17-banner").count() == 0


def test_ndrc_moves_a_project_through_its_stages(site, people):
    api = _api(site)
    r = api.as_("editor_a").post(
        "/api/v1/projects", json={"code": "XM-STAGE", "name": "智慧教育平台", "investment": "300"}
    )
    pid = r.get_json()["id"]
    ndrc = people(site)
    page = ndrc.sign_in("ndrc")
    ndrc.go("/projects")
    assert "XM-STAGE" in page.locator("#projects").inner_text()
    ndrc.shot("projects")
    page.get_by_role("link", name="智慧教育平台").click()

    def move(stage_label: str, **evidence: str):
        page.select_option("#f-to_stage", label=stage_label)
        for name, value in evidence.items():
            if name == "review_passed":
                page.check(f"input[name=review_passed][value={value}]")
            else:
                page.fill(f"#f-{name}", value)
        page.get_by_role("button", name="推进阶段").click()

    move("项目建议书")
    assert "项目已进入“项目建议书”阶段" in ndrc.flash()
    move("可行性研究")
    # Art. 7: below the threshold the preliminary design may be skipped.
    assert "技术评审" in page.locator("#next-stages").inner_text()
    assert "第七条：跳过初步设计阶段" in page.locator("#next-stages").inner_text()
    move("技术评审")
    assert "第八条" in page.locator("#next-stages").inner_text()
    move("建设实施")  # no expert-panel conclusion: refused with the rule
    error = page.locator("#form-error").inner_text()
    assert "第八条" in error and "专家组评审结论" in error
    assert page.locator("#project-stage").inner_text() == "技术评审"
    move("建设实施", expert_panel_conclusion="同意建设（专家组 2026-11）", review_passed="yes")
    assert page.locator("#project-stage").inner_text() == "建设实施"
    history = page.locator("#stage-history tbody tr")
    assert history.count() == 4
    assert "ndrc" in history.first.inner_text()
    assert "专家组评审结论：同意建设" in history.first.inner_text()
    ndrc.shot("project")

    # Acceptance needs the confirmation first (Art. 15).
    move("申请验收")
    assert "第十五条" in page.locator("#form-error").inner_text()
    with site.app.app_context():
        assert db.session.get(Project, pid).stage == "construction"


def test_the_confirmation_from_application_to_public_verification(site, people):
    api = _api(site)
    pid, _ = confirmable_project(api, app=site.app)

    editor = people(site)
    page = editor.sign_in("editor_a")
    editor.go(f"/projects/{pid}")
    page.get_by_role("button", name="申请数据共享完成确认意见").click()
    assert "已申请确认意见" in editor.flash()
    checks = page.locator("#checks tbody tr")
    assert checks.count() == 8
    assert "通过" in page.locator("[data-check=systems_in_system_catalog]").inner_text()
    assert "不适用" in page.locator("[data-check=no_overdue_share_requests]").inner_text()
    assert page.locator("#issue-form").count() == 0  # the reviewer's decision
    application = page.url.removeprefix(site.base)

    reviewer = people(site)
    rpage = reviewer.sign_in("reviewer")
    reviewer.go(application)
    rpage.fill("#f-opinion", "同意")
    rpage.get_by_role("button", name="签发确认意见").click()
    assert "确认意见已签发" in reviewer.flash()
    assert "已签发" in rpage.locator("#confirmation-status").inner_text()
    number = rpage.locator("#verify-link").inner_text()
    reviewer.shot("confirmation")

    # The PDF opens in the browser with the session, no token.
    pdf = reviewer.context.request.get(site.url(rpage.locator("#pdf-link").get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    rpage.locator("#print-link").click()
    assert number in rpage.locator("body").inner_text()

    # Anyone verifies the number on the public page.
    public = people(site)
    ppage = public.page
    public.go(f"/verify/{number}")
    assert "有效" in ppage.locator("body").inner_text()
    assert "社会救助一件事" in ppage.locator("body").inner_text()
    public.shot("verify")

    reviewer.go(application)
    rpage.locator("#revoke-form").evaluate("f => f.closest('details').open = true")
    rpage.get_by_role("button", name="撤销").click()
    assert "须写明撤销原因" in rpage.locator("#form-error").inner_text()
    rpage.locator("#revoke-form").evaluate("f => f.closest('details').open = true")
    rpage.fill("#revoke-form #f-reason", "项目建设内容变更")
    rpage.get_by_role("button", name="撤销").click()
    assert "已撤销" in rpage.locator("#confirmation-status").inner_text()
    public.go(f"/verify/{number}")
    assert "已撤销" in ppage.locator("body").inner_text()
    response = public.go("/verify/新数确〔1999〕9号")
    assert response.status == 404


def test_the_graph_page_draws_and_expands(site, people):
    api = _api(site)
    pid, rid = confirmable_project(api, app=site.app)
    reviewer = people(site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/graph")
    page.wait_for_function("() => document.getElementById('graph').dataset.loaded")
    model = page.evaluate("() => window.registryGraph.nodes().map(n => [n.id(), n.data('kind')])")
    ids = {n for n, _ in model}
    assert {f"project:{pid}", f"resource:{rid}", f"department:{site.world.dept_a}"} <= ids
    assert "信息资源" in page.locator("#graph-counts").inner_text()

    # From a resource's neighbourhood only, expanding the resource adds its system.
    reviewer.go(f"/graph?node=resource:{rid}&depth=1")
    page.wait_for_function("() => document.getElementById('graph').dataset.loaded")
    before = set(page.evaluate("() => window.registryGraph.nodes().map(n => n.id())"))
    assert f"resource:{rid}" in before and f"project:{pid}" not in before
    stamp = page.evaluate("() => document.getElementById('graph').dataset.loaded")
    page.evaluate(f"() => window.registryGraph.getElementById('resource:{rid}').emit('tap')")
    assert page.locator("#graph-node-label").inner_text() == "社会救助对象信息"
    page.select_option("#graph-depth", "2")
    page.get_by_role("button", name="展开邻居").click()
    page.wait_for_function(f"() => document.getElementById('graph').dataset.loaded !== '{stamp}'")
    after = set(page.evaluate("() => window.registryGraph.nodes().map(n => n.id())"))
    assert before < after and f"project:{pid}" in after

    # Search by name, filter a kind out, export the view.
    page.fill("#graph-q", "社会救助")
    page.get_by_role("button", name="查找").click()
    page.locator("#graph-results button", has_text="社会救助一件事").wait_for()
    page.uncheck("#graph-kinds input[value=element]")
    hidden = page.evaluate(
        "() => window.registryGraph.nodes('[kind = \"element\"]').filter(n => n.visible()).length"
    )
    assert hidden == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="GraphML").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert f'<node id="resource:{rid}">' in text
    with page.expect_download() as download:
        page.get_by_role("button", name="PNG").click()
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")
    with page.expect_download() as download:
        page.get_by_role("button", name="SVG").click()
    assert "<svg" in Path(download.value.path()).read_text(encoding="utf-8")

    # A project's framework view.
    reviewer.go(f"/projects/{pid}")
    page.locator("#framework-link").click()
    page.wait_for_function("() => document.getElementById('graph').dataset.loaded")
    framework = set(page.evaluate("() => window.registryGraph.nodes().map(n => n.id())"))
    assert f"project:{pid}" in framework and f"resource:{rid}" in framework
    reviewer.shot("graph")


def test_the_graph_page_draws_the_demo_county(sqlite_site, people):
    """The demo county whole (about 2,500 nodes), then a department expanded to depth 2 in
    it: asserted on Cytoscape's model. SQLite only: the drawing is the same on both."""
    from registry.demo import load_demo

    with sqlite_site.app.app_context():
        load_demo(db.session, scale="county")
        db.session.commit()
    reviewer = people(sqlite_site)
    page = reviewer.sign_in("reviewer")
    reviewer.go("/graph")
    loaded = "() => document.getElementById('graph').dataset.loaded"
    page.wait_for_function(loaded, polling=100, timeout=60_000)
    count = page.evaluate("() => window.registryGraph.nodes().length")
    assert count > 2000
    status = page.locator("#graph-status").inner_text()
    assert f"显示 {count} 个节点" in status and "region:" in status
    reviewer.shot("graph-county")

    # A system found by name opens on its neighbourhood; depth 2 then reaches further.
    first = page.evaluate(
        """async () => {
          const r = await fetch('/graph/search?q=' + encodeURIComponent('系统'));
          return (await r.json()).find(n => n.kind === 'system').id;
        }"""
    )
    page.fill("#graph-q", "系统")
    page.get_by_role("button", name="查找").click()
    page.locator(f"#graph-results button[data-node='{first}']").click()
    selected = "() => window.registryGraph.$(':selected').map(n => n.id())"
    page.wait_for_function(f"() => ({selected})().length > 0", polling=100)
    assert page.evaluate(selected) == [first]  # drawn already: found, not reloaded

    reviewer.go(f"/graph?node={first}&depth=1")
    page.wait_for_function(loaded, polling=100)
    one = set(page.evaluate("() => window.registryGraph.nodes().map(n => n.id())"))
    assert first in one and len(one) < count
    stamp = page.evaluate(loaded)
    page.evaluate(f"() => window.registryGraph.getElementById('{first}').emit('tap')")
    page.select_option("#graph-depth", "2")
    page.get_by_role("button", name="展开邻居").click()
    page.wait_for_function(
        f"() => document.getElementById('graph').dataset.loaded !== '{stamp}'", polling=100
    )
    two = set(page.evaluate("() => window.registryGraph.nodes().map(n => n.id())"))
    assert one < two
    kinds = {n.split(":")[0] for n in two - one}
    assert kinds & {"element", "department", "interface", "resource"}
