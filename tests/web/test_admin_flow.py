"""The admin in the browser, on SQLite and PostgreSQL: creates a department clerk with an
initial password, the clerk signs in; the admin deactivates the clerk, whose open session
ends at the next click; the admin edits a department."""

from __future__ import annotations


def test_admin_creates_a_user_who_signs_in_and_is_then_deactivated(site, people):
    admin = people(site)
    page = admin.sign_in("admin")
    assert page.url.endswith("/admin/users")
    page.fill("#f-name", "zhang.san")
    page.fill("#f-display_name", "张三")
    page.select_option("#f-role", "dept_editor")
    page.select_option("#f-department_id", str(site.world.dept_b))
    page.fill("#f-password", "short")
    page.get_by_role("button", name="创建用户").click()
    assert "密码至少 8 位" in page.locator('.field[data-field="password"] .error').inner_text()
    page.fill("#f-password", "Zhang-San-2026")
    page.get_by_role("button", name="创建用户").click()
    assert "已创建用户 zhang.san" in admin.flash()
    admin.shot("admin-users")

    clerk = people(site)
    clerk_page = clerk.sign_in("zhang.san", "Zhang-San-2026")
    assert clerk_page.url.endswith("/workspace")
    assert "县市场监督管理局" in clerk_page.locator("h1").inner_text()

    page.locator("#users tr", has_text="zhang.san").get_by_role("link", name="管理").click()
    page.uncheck("input[name=active]")
    page.get_by_role("button", name="保存", exact=True).click()
    assert "已保存" in admin.flash()
    assert "已停用" in page.locator("#users tr", has_text="zhang.san").inner_text()

    clerk.go("/workspace")
    assert "/login" in clerk_page.url
    assert "会话已超时或已结束" in clerk_page.content()
    clerk.sign_in("zhang.san", "Zhang-San-2026")
    assert "用户名或密码错误" in clerk_page.locator("#login-error").inner_text()


def test_admin_edits_a_department(site, people):
    admin = people(site)
    page = admin.sign_in("admin")
    admin.go(f"/admin/departments/{site.world.dept_a}")
    page.fill("#f-region", "青溪县城关镇")
    page.get_by_role("button", name="保存").click()
    assert "已保存部门信息" in admin.flash()
    admin.go(f"/departments/{site.world.dept_a}")
    assert "青溪县城关镇" in page.content()


def test_admin_adds_a_department_whose_function_the_name_proposes(site, people):
    from ..helpers import credit_code

    admin = people(site)
    page = admin.sign_in("admin")
    admin.go("/admin/departments")
    page.fill("#f-name", "县公安局交通警察大队")
    page.fill("#f-code", credit_code(404))
    page.select_option("#f-kind", "政府")
    page.get_by_role("button", name="添加部门").click()  # 职能: 按名称建议 (the default)
    assert "职能按名称建议为“公安”，请核对" in admin.flash()
    assert page.locator("#f-function").input_value() == "公安"
    page.select_option("#f-function", "其他")
    page.get_by_role("button", name="保存").click()
    assert "已保存部门信息" in admin.flash()


def test_admin_sees_the_jobs_and_runs_one(site, people):
    admin = people(site)
    page = admin.sign_in("admin")
    admin.go("/admin/jobs")
    assert "尚未运行调度进程" in page.locator("#leader").inner_text()
    row = page.locator('#jobs tr[data-job="sharing_scan"]')
    assert "每天 01:10" in row.inner_text()
    row.get_by_role("button", name="立即运行").click()
    assert "任务 sharing_scan：已完成" in admin.flash()
    row = page.locator('#jobs tr[data-job="sharing_scan"]')
    assert "正常" in row.inner_text() and '"escalated": 0' in row.inner_text()
    assert "sharing_scan" in page.locator("#runs").inner_text()
    admin.shot("admin-jobs")
