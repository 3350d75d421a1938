"""部门职能 as a code list: proposed from the name, refused when unknown (with the code it
probably meant), extensible in configuration, and warned about by an analysis run."""

from __future__ import annotations

from catalog_schemas.codes import DEPARTMENT_FUNCTIONS, LocalCodes

from .helpers import credit_code


def test_the_name_proposes_the_function():
    codes = LocalCodes()
    assert codes.propose_function("青溪县公安局") == "公安"
    assert codes.propose_function("县市场监督管理局") == "市场监管"
    assert codes.propose_function("县人力资源和社会保障局") == "人社"
    assert codes.propose_function("县卫生健康局") == "卫健"
    assert codes.propose_function("县委办公室") is None
    extended = LocalCodes(extra_department_functions={"医保": ("医疗保障局",)})
    assert extended.propose_function("县医疗保障局") == "医保"
    assert set(extended.department_functions) == set(DEPARTMENT_FUNCTIONS) | {"医保"}


def test_the_api_refuses_unknown_functions_and_proposes(app, api):
    body = {"code": credit_code(303), "name": "县公安局交通警察大队", "kind": "政府"}
    r = api.as_("admin").post("/api/v1/departments", json=body | {"function": "公安局"})
    assert r.status_code == 422
    message = r.get_json()["errors"]["function"][0]
    assert "未知的部门职能“公安局”" in message and "是否应为“公安”" in message
    r = api.as_("admin").post("/api/v1/departments", json=body)
    assert r.status_code == 201
    created = r.get_json()
    assert created["function"] is None and created["proposed_function"] == "公安"
    etag = r.headers["ETag"]
    r = api.as_("admin").patch(
        f"/api/v1/departments/{created['id']}", json={"function": "公安"}, etag=etag
    )
    assert r.status_code == 200 and r.get_json()["function"] == "公安"


def test_an_analysis_run_warns_about_unconfirmed_departments(app, api):
    from registry.db import db
    from registry.services.analyses import AnalysisSettings, run_analyses

    from .helpers import SYSTEM

    with app.app_context():
        run = run_analyses(
            db.session,
            SYSTEM,
            scope_kind="all",
            scope_value=None,
            analyses=["flow_cycle"],
            settings=AnalysisSettings.from_config(app.config),
            match=False,
        )
        warnings = run.summary["warnings"]
        db.session.rollback()
    # The test world's two departments were registered without one.
    assert warnings["departments_without_function"] == 2
    assert set(warnings["examples"]) == {"县公安局", "县市场监督管理局"}
