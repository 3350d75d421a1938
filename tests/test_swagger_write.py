"""The browsable API page performs a write: in headless Chromium (Debian's package), a
signed-in Swagger UI sends a PATCH with the If-Match it documents, and the change lands."""

from __future__ import annotations

import json
import shutil

from registry.db import db
from registry.models import InformationSystem

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_swagger_ui_performs_a_write_with_if_match(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    app, world, base = live_server
    token = world.tokens["editor_a"]
    created = app.test_client().post(
        "/api/v1/systems",
        json={"code": "SYS-SWAGGER", "name": "旧名称", "deployment": "政务云"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201
    system_id, etag = created.get_json()["id"], created.headers["ETag"]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/api/v1/docs")
        # Sign in the way a person does: the Authorize dialog, the token, Authorize, Close.
        page.click("button.authorize")
        page.fill(".modal-ux input", token)
        page.click(".modal-ux button.authorize")
        page.click(".modal-ux button.btn-done")
        operation = page.locator("#operations-systems-patch_systems_by_record_id")
        operation.locator(".opblock-summary").click()
        operation.locator(".try-out__btn").click()
        operation.locator('tr[data-param-name="record_id"] input').fill(str(system_id))
        operation.locator('tr[data-param-name="If-Match"] input').fill(etag)
        operation.locator("textarea.body-param__text").fill(
            json.dumps({"name": "经文档页修改"}, ensure_ascii=False)
        )
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table tbody .response-col_status").first
        status.wait_for(timeout=15000)
        page.screenshot(path=str(tmp_path / "swagger-write.png"), full_page=False)
        assert status.inner_text().strip().startswith("200"), status.inner_text()
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    with app.app_context():
        assert db.session.get(InformationSystem, system_id).name == "经文档页修改"
