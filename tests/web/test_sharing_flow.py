"""共享申请 in the browser, on SQLite and PostgreSQL: department B asks for A's resource
from its page; A asks for more, B supplies it, A approves; the grant and its flow exist
until A withdraws the grant."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import db
from registry.models import Flow, Grant
from registry.services import systems

from ..factories import resource_in
from ..helpers import SYSTEM


def test_request_ask_reply_approve_withdraw(site, people):
    with site.app.app_context():
        entry = resource_in(site.world.dept_a_code, "published", name="县公安局户籍人口信息")
        systems.create_system(
            db.session,
            SYSTEM,
            data={
                "code": "SYS-B-WEB",
                "name": "企业开办系统",
                "deployment": "政务云",
                "department_id": site.world.dept_b,
            },
        )
        db.session.commit()
        entry_id = entry.id
    requester = people(site)
    page = requester.sign_in("editor_b")
    requester.go(f"/resources/{entry_id}")
    page.click("text=申请共享")
    page.fill("#f-business_matter", "企业开办登记")
    page.fill("#f-purpose", "核验法定代表人身份")
    page.get_by_role("button", name="提交申请").click()
    # The period is required: the message stands at its field, nothing is stored.
    assert "此字段为必填项" in page.locator('.field[data-field="period_start"] .error').inner_text()
    page.fill("#f-period_start", "2030-01-01")
    page.check("input[value=姓名]")
    page.get_by_role("button", name="提交申请").click()
    assert "已提交共享申请" in requester.flash()
    assert page.locator("#request-status").inner_text() == "待答复"
    request_url = page.url

    provider = people(site)
    ppage = provider.sign_in("editor_a")
    provider.go("/sharing?view=received")
    ppage.locator("#requests a", has_text=str(request_url.rsplit("/", 1)[1])).first.click()
    ppage.fill("#reason", "请提供企业开办系统的等保备案证明")
    ppage.get_by_role("button", name="要求补充材料").click()
    assert ppage.locator("#request-status").inner_text() == "待补充材料"

    requester.go(request_url.removeprefix(site.base))
    page.fill("#reply", "备案证明编号 3301-2026-0001")
    page.get_by_role("button", name="提交补充材料").click()
    assert page.locator("#request-status").inner_text() == "待答复"

    provider.go(request_url.removeprefix(site.base))
    ppage.get_by_role("button", name="同意共享").click()
    assert ppage.locator("#request-status").inner_text() == "已同意"
    assert "有效" in ppage.locator("#grant-status").inner_text()
    provider.shot("share-request")

    # The consumer reports its use of the grant, and disputes one record.
    requester.go(request_url.removeprefix(site.base))
    page.click("text=报告本季度使用情况")
    page.fill("#u-uses", "320")
    page.fill("#u-purposes", "企业开办身份核验")
    page.get_by_role("button", name="提交使用情况").click()
    assert "已报告使用情况" in requester.flash()
    requester.go(f"/resources/{entry_id}")
    page.click("text=对本资源的数据提出疑义或纠错")
    page.fill("#c-description", "部分记录的姓名含错别字")
    page.get_by_role("button", name="提交纠错").click()
    assert "已提交纠错" in requester.flash()
    provider.go(f"/resources/{entry_id}")
    ppage.locator("#corrections input[name=answer]").fill("已核实并更正 3 条记录")
    ppage.check("#corrections input[name=corrected]")
    ppage.get_by_role("button", name="答复").click()
    assert "已答复：已核实并更正 3 条记录（已更正）" in ppage.locator("#corrections").inner_text()
    provider.go(request_url.removeprefix(site.base))
    with site.app.app_context():
        grant = db.session.scalar(select(Grant))
        assert db.session.get(Flow, grant.flow_id).target_department_id == site.world.dept_b
    # Renewing to a date in the past is refused at its field; a later date is kept.
    ppage.fill("#grant-ends-on", "2020-01-01")
    ppage.locator("#grant-renew button").click()
    assert "新的截止日期不能早于今天" in ppage.locator(".alert").inner_text()
    ppage.fill("#grant-ends-on", "2031-12-31")
    ppage.locator("#grant-renew button").click()
    assert "已续期授权" in provider.flash()
    assert "至 2031-12-31" in ppage.locator("#grant-status").inner_text()

    # The figures count what just happened, per department and per resource.
    reader = people(site)
    rpage = reader.sign_in("ndrc")
    reader.go("/sharing/scores")
    row = rpage.locator("#scores tr", has_text="县公安局")
    assert "1（1/1/1）" in row.inner_text()  # one request, answered, on time, approved
    rpage.select_option("select[name=scope]", "resource")
    rpage.get_by_role("button", name="查看").click()
    assert rpage.locator("#scores th").first.inner_text() == "资源"
    assert "1（1/1/1）" in rpage.locator("#scores tr", has_text="县公安局户籍人口信息").inner_text()
    reader.shot("sharing-scores-resource")

    ppage.fill("#grant-reason", "申请方系统停用")
    ppage.get_by_role("button", name="撤销授权").click()
    assert "已撤销" in ppage.locator("#grant-status").inner_text()
    with site.app.app_context():
        grant = db.session.scalar(select(Grant))
        assert grant.status == "withdrawn" and grant.flow_id is None
        assert db.session.scalar(select(Flow)) is None
