"""REST API under /api/v1: one blueprint per resource."""

from __future__ import annotations

from flask import Flask, send_from_directory

from ..web import confirmations as confirmation_pages
from . import (
    analyses,
    ckan,
    confirmations,
    departments,
    elements,
    errors,
    findings,
    flows,
    graph,
    imports,
    interfaces,
    jobs,
    match_reviews,
    projects,
    resources,
    search,
    sharing,
    systems,
    users,
)
from .base import Api

BLUEPRINTS = (
    departments,
    systems,
    projects,
    resources,
    interfaces,
    flows,
    elements,
    users,
    analyses,
    findings,
    graph,
    match_reviews,
    confirmations,
    imports,
    search,
    sharing,
    jobs,
)


def init_app(app: Flask) -> None:
    import swagger_ui_bundle

    app.config.update(
        API_TITLE="政务信息资源目录与数据共享登记系统 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served from the installed swagger-ui-bundle, so the page works offline.
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/static/",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = Api(app)  # one per app: the OpenAPI document is built per application
    for module in BLUEPRINTS:
        api.register_blueprint(module.blp)
    # Pages that are also API answers (print, PDF, public verification): documented here.
    api.register_blueprint(confirmation_pages.blp)
    api.register_blueprint(confirmation_pages.verify)
    errors.register(app)
    app.register_blueprint(ckan.bp)  # CKAN's own protocol, outside the OpenAPI document

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_static(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
