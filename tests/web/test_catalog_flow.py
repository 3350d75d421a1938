"""The catalog workflow in the browser, on SQLite and PostgreSQL: a department clerk
registers an entry with one mistake, sees the message at that field, fixes it, saves and
submits; the 大数据中心 returns it with a reason; the clerk sees the reason and
resubmits; the reviewer publishes; an anonymous visitor finds it and opens its page."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import db
from registry.models import AuditEvent, Resource

NAME = "网页登记的社会救助对象信息"


def fill_entry(page, *, share_condition: str | None) -> None:
    page.select_option("#f-classification_prefix", "201")
    page.fill("#f-classification_rest", "001")
    page.fill("#f-name", NAME)
    page.fill("#f-summary", "本县社会救助对象的基本情况与救助记录")
    page.select_option("#f-format_class", "数据库")
    page.fill("#f-format_detail", "oracle")
    page.select_option("#f-share_type", "有条件共享")
    if share_condition is not None:
        page.fill("#f-share_condition", share_condition)
    page.select_option("#f-share_method_class", "共享平台方式")
    page.select_option("#f-share_method_platform", "接口")
    page.select_option("#f-open_type", "无条件开放")
    page.select_option("#f-update_cycle", "每月")
    page.fill("#f-publish_date", "2026-11-20")
    # Rows copied from Excel: pasted into the first item name cell.
    page.locator("input[name=item-name]").first.focus()
    paste(page, "公民身份号码\t字符型C\t18\n姓名\t字符型C\t50\n救助类型\t字符型C\t20\n")


def paste(page, text: str) -> None:
    """A paste event as the browser fires it, with ``text`` on the clipboard."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const event = new ClipboardEvent(
                "paste", {clipboardData: data, bubbles: true, cancelable: true});
            document.activeElement.dispatchEvent(event);
        }""",
        text,
    )


def test_register_review_return_resubmit_publish_find(site, people):
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    assert page.url.endswith("/workspace"), page.url
    page.click("text=登记信息资源")
    fill_entry(page, share_condition=None)  # the deliberate mistake: no 共享条件
    assert page.locator("input[name=item-name]").nth(2).input_value() == "救助类型"
    clerk.shot("resource-form")
    page.click("button[value=save]")
    field = page.locator('.field[data-field="share_condition"]')
    assert "有条件共享须写明共享条件" in field.locator(".error").inner_text()
    assert field.locator("input").get_attribute("aria-invalid") == "true"
    # What was typed is still there, items included.
    assert page.locator("#f-name").input_value() == NAME
    assert page.locator("input[name=item-name]").nth(1).input_value() == "姓名"
    clerk.shot("resource-form-error")
    page.fill("#f-share_condition", "仅限民政业务办理使用")
    page.click("button[value=save]")
    assert "已保存为草稿" in clerk.flash()
    row = page.locator("#catalog tr", has_text=NAME)
    assert "草稿" in row.inner_text()
    row.get_by_role("button", name="提交审核").click()
    assert "已提交审核" in clerk.flash()
    assert "待审核" in page.locator("#catalog tr", has_text=NAME).inner_text()

    reviewer = people(site)
    review = reviewer.sign_in("reviewer")
    assert review.url.endswith("/review"), review.url
    reviewer.shot("review-queue")
    review.locator("#queue a", has_text=NAME).click()
    assert "首次发布" in review.locator("h2").first.inner_text()
    assert "救助类型" in review.locator("#review-diff").inner_text()
    review.click("button[value=reject]")  # without a reason: refused at the field
    assert "须说明原因" in review.locator(".error").inner_text()
    review.fill("#reason", "信息项缺少救助金额，请补充后再提交")
    review.click("button[value=reject]")
    assert "已退回修改 1 项" in reviewer.flash()

    clerk.go("/workspace?state=returned")
    returned = page.locator("#catalog tr", has_text=NAME)
    assert "已退回" in returned.inner_text()
    assert "信息项缺少救助金额" in returned.locator(".reason").inner_text()
    clerk.shot("workspace-returned")
    returned.get_by_role("link", name="修改", exact=True).click()
    page.locator("input[name=item-name]").nth(3).fill("救助金额")
    page.locator("select[name=item-data_type]").nth(3).select_option("货币型Y")
    page.click("button[value=submit]")
    assert "已保存并提交审核" in clerk.flash()

    reviewer.go("/review")
    resource_id = int(review.locator("#queue tr", has_text=NAME).get_attribute("data-resource"))
    review.check(f"#pick-{resource_id}")
    review.click("button[value=publish]")
    assert "已审核通过并发布 1 项" in reviewer.flash()

    visitor = people(site)
    visitor.go("/search?q=社会救助对象")
    hit = visitor.page.locator(".hit a", has_text=NAME)
    hit.first.click()
    assert visitor.page.locator("h1").inner_text().startswith(NAME)
    assert "救助金额" in visitor.page.locator("#items").inner_text()
    assert "已发布" in visitor.page.locator("h1").inner_text()
    visitor.shot("resource-page")
    visitor.go(f"/resources/{resource_id}/history")
    assert "退回修改" in visitor.page.content() and "救助金额" in visitor.page.content()

    with site.app.app_context():
        resource = db.session.scalar(select(Resource).where(Resource.name == NAME))
        assert resource.status == "published" and resource.item_count == 4

    # The department takes it out of the catalog again, with its reason.
    clerk.go(f"/resources/{resource_id}")
    page.click("text=下架此资源")
    page.fill("#retire-reason", "业务已划转至县医保局")
    page.get_by_role("button", name="下架", exact=True).click()
    assert "已下架" in clerk.flash() and "已下架" in page.locator("h1").inner_text()
    with site.app.app_context():
        resource = db.session.scalar(select(Resource).where(Resource.name == NAME))
        assert resource.status == "retired"
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.subject_id == str(resource.id))
            )
        )
        assert {"resource.create", "resource.submit", "resource.reject"} <= actions
        assert {"resource.publish", "resource.retire"} <= actions
