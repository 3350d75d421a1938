"""A department sets its publication settings in the browser (licence, contact point,
landing pages), on SQLite and PostgreSQL; a mistake is shown at its field."""

from __future__ import annotations

from registry.db import db
from registry.models import Department


def test_an_editor_sets_the_departments_publication_settings(site, people):
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    page.click("text=发布信息")
    assert page.locator("h1").inner_text() == "本部门发布信息"
    page.select_option("#f-licence_id", "cc-by-4.0")
    page.fill("#f-contact_name", "数据管理科 王敏")
    page.fill("#f-contact_phone", "0571-88880000")
    page.fill("#f-contact_email", "不是邮箱")
    page.fill("#f-landing_page", "https://gaj.example.gov.cn/data/{code}")
    # The browser's own check of type=email would stop the form: let the server judge.
    page.eval_on_selector("#publication-form", "form => form.noValidate = true")
    page.get_by_role("button", name="保存发布信息").click()
    assert (
        "邮箱格式不正确" in page.locator('.field[data-field="contact_email"] .error').inner_text()
    )
    with site.app.app_context():
        assert db.session.get(Department, site.world.dept_a).contact_name is None
    # What was typed is still there; correct the one mistake.
    assert page.input_value("#f-contact_name") == "数据管理科 王敏"
    page.fill("#f-contact_email", "data@gaj.example.gov.cn")
    page.get_by_role("button", name="保存发布信息").click()
    assert "已保存本部门的发布信息" in clerk.flash()
    clerk.shot("workspace-publication")
    with site.app.app_context():
        d = db.session.get(Department, site.world.dept_a)
        assert (d.licence_id, d.contact_name, d.contact_email, d.landing_page) == (
            "cc-by-4.0",
            "数据管理科 王敏",
            "data@gaj.example.gov.cn",
            "https://gaj.example.gov.cn/data/{code}",
        )
        assert db.session.get(Department, site.world.dept_b).contact_name is None
    assert page.input_value("#f-licence_id") == "cc-by-4.0"
