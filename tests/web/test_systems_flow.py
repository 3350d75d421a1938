"""A department registers a system, an interface serving one of its entries, and a flow
to another department's system, in the browser, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import db
from registry.models import Flow, InformationSystem, Interface
from registry.services import systems

from ..factories import resource_in
from ..helpers import SYSTEM


def test_register_system_interface_and_flow(site, people):
    with site.app.app_context():
        entry = resource_in(site.world.dept_a_code, "published", name="县公安局人口信息")
        other = systems.create_system(
            db.session,
            SYSTEM,
            data={
                "code": "SYS-B-01",
                "name": "市场监管业务系统",
                "deployment": "政务云",
                "department_id": site.world.dept_b,
            },
        )
        db.session.commit()
        entry_id, other_id = entry.id, other.id
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    page.click("text=信息系统、接口与数据流")
    page.click("text=登记信息系统")
    page.fill("#f-code", "SYS-A-01")
    page.fill("#f-name", "人口信息管理系统")
    page.select_option("#f-deployment", "政务云")
    page.get_by_role("button", name="登记系统").click()
    assert "已登记信息系统：人口信息管理系统" in clerk.flash()

    page.click("text=登记接口")
    page.fill("form[action*=interfaces] #f-name", "人口信息查询接口")
    page.select_option("#f-kind", "api")
    page.check("input[name=platform_connected]")
    page.select_option("#f-resource_ids", [str(entry_id)])
    page.get_by_role("button", name="登记接口").click()
    assert "已登记接口：人口信息查询接口" in clerk.flash()
    assert "县公安局人口信息" in page.locator("#interface-list").inner_text()

    page.click("text=登记数据流")
    page.select_option("#f-target_system_id", str(other_id))
    page.select_option("#f-resource_id", str(entry_id))
    page.get_by_role("button", name="登记数据流").click()
    assert "已登记数据流" in clerk.flash()
    assert "市场监管业务系统" in page.locator("#flow-list").inner_text()
    clerk.shot("workspace-systems")

    with site.app.app_context():
        mine = db.session.scalar(
            select(InformationSystem).where(InformationSystem.code == "SYS-A-01")
        )
        assert mine.department_id == site.world.dept_a
        interface = db.session.scalar(select(Interface).where(Interface.name == "人口信息查询接口"))
        assert [r.id for r in interface.resources] == [entry_id] and interface.platform_connected
        flow = db.session.scalar(select(Flow))
        assert (flow.source_system_id, flow.target_system_id) == (mine.id, other_id)
        assert flow.target_department_id == site.world.dept_b and flow.via_platform


def test_a_mistake_is_shown_and_nothing_is_registered(site, people):
    clerk = people(site)
    page = clerk.sign_in("editor_a")
    clerk.go("/workspace/systems")
    page.click("text=登记信息系统")
    page.fill("#f-name", "没有编码的系统")
    page.select_option("#f-deployment", "政务云")
    page.get_by_role("button", name="登记系统").click()
    assert "此字段为必填项" in page.locator('.field[data-field="code"] .error').inner_text()
    with site.app.app_context():
        assert db.session.scalar(select(InformationSystem)) is None
