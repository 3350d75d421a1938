"""The OpenAPI document tells the truth: it validates, and every operation's real answers
(successes and every error status) match it, for generated requests (schemathesis),
with no server error. Bounded so that it runs in `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from registry import unit_of_work
from registry.db import db

from .helpers import SYSTEM, resource_payload

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_the_document_validates(spec):
    validate(spec)
    operations = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, op in operations:
        if True:
            assert {"401"} <= set(map(str, op["responses"])), (method, path)
            if method in ("patch", "delete") and "{" in path and "tokens" not in path:
                names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
                assert "If-Match" in names and {"412", "428"} <= set(map(str, op["responses"])), (
                    method,
                    path,
                )
    assert spec["components"]["schemas"]["Error"]["properties"]["code"]["type"] == "string"


@pytest.fixture
def seeded(app, world):
    """A small catalog, so generated ids sometimes find real records."""
    from catalog_schemas import ResourceSchema
    from registry.services import interfaces, resources, systems

    with app.app_context():
        s = db.session
        systems.create_system(
            s,
            SYSTEM,
            data={
                "code": "SYS-1",
                "name": "甲系统",
                "department_id": world.dept_a,
                "deployment": "政务云",
            },
        )
        for n in range(3):
            r = resources.create_resource(
                s,
                SYSTEM,
                data=ResourceSchema().load(
                    resource_payload(provider_code=world.dept_a_code, name=f"契约资源{n}")
                ),
            )
        interfaces.create_interface(
            s,
            SYSTEM,
            data={
                "name": "接口",
                "kind": "api",
                "department_id": world.dept_a,
                "resource_ids": [r.id],
            },
        )
        unit_of_work.commit(app)
    return app


def test_every_operation_answers_as_documented(seeded, world):
    """Every operation, with generated requests as an admin, a department editor and an
    auditor (allowed, refused by department, read-only). Failures are collected over
    all operations and reported together."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)
    failures, cases = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            nonlocal cases
            for who in ("admin", "editor_a", "auditor"):
                cases += 1
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {world.tokens[who]}"}, checks=CHECKS
                )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — gathered, reported at once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    print(f"schemathesis: {cases} calls")
    assert not failures, "\n\n".join(failures)
