"""/api/v1/imports, /api/v1/exports, /api/v1/imports/template"""

import io
import tempfile
from pathlib import Path

from flask import Response, current_app, g, request
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Dict,
    Integer,
    List,
    ResponseSchema,
    Schema,
    String,
    one_of,
)
from importers.writers import write_csv, write_json, write_xlsx

from .. import unit_of_work
from ..authz import may_read_import, reads_all, require_importer
from ..db import db
from ..errors import BadRequest, Forbidden, ImportRejected
from ..models import CatalogImport
from ..services._records import get_record, where_equal
from ..services.exports import export_records
from ..services.imports import ReadLimits, import_file, safe_filename
from .base import Blueprint, ListArgs, apply_sort, current_actor, paginate, signed_in_actor
from .openapi import XLSX, download, upload

blp = Blueprint("imports", __name__, url_prefix="/api/v1", description="目录导入与导出")


class ImportArgs(Schema):
    dry_run = Boolean(load_default=False)
    department = String(load_default=None, metadata={"description": "默认提供方部门代码"})


class ImportSchema(ResponseSchema):
    id = Integer()
    actor_name = String()
    filename = String()
    digest = String()
    kind = String()
    dry_run = Boolean()
    status = String()
    counts = Dict()
    problem_count = Integer()
    problems = List(Dict())
    checkpoint = Integer()
    started_at = DateTime()
    finished_at = DateTime()


class ImportListArgs(ListArgs):
    status = String()


class ExportArgs(Schema):
    format = String(load_default="xlsx", validate=one_of(("xlsx", "csv", "json"), "格式"))
    department_id = Integer()
    classification = String(validate=validate.Regexp(r"^\d{1,12}$", error="分类码前缀应为数字"))
    status = String()


@blp.route("/imports")
class Imports(MethodView):
    @blp.arguments(ImportArgs, location="query")
    @blp.response(201, ImportSchema)
    @blp.doc(**upload("目录文件：xlsx、xls、et、csv 或 json"))
    def post(self, args):
        """上传目录文件（multipart 字段 file）：先出导入计划

        dry_run=true 只看计划；有问题则整体不写入。"""
        actor = signed_in_actor()
        require_importer(actor)  # before the upload is read or stored anywhere
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadRequest("请以 multipart/form-data 上传 file 字段", code="no_file")
        filename = safe_filename(upload.filename)
        with tempfile.TemporaryDirectory() as tmp:
            # Stored under a name of our own: the client's name is only recorded, never a path.
            path = Path(tmp) / ("upload" + Path(filename).suffix[:10])
            upload.save(path)
            run, _ = import_file(
                db.session,
                actor,
                path=path,
                filename=filename,
                dry_run=args["dry_run"],
                limits=ReadLimits.from_settings(current_app.config),
                default_department_code=args["department"],
                reading=unit_of_work.read_phase,
            )
        if run.status == "rejected":
            g.keep_on_error = (
                True  # the rejected import stays on the record; nothing else was written
            )
            if (
                run.kind == "unknown"
            ):  # the file could not be read at all: its problem is the answer
                problem = run.problems[0]
                raise ImportRejected(
                    problem["message"],
                    code=problem["code"],
                    errors={
                        "file": [problem["message"]],
                        "import_id": run.id,
                        "problems": run.problems,
                    },
                )
            raise ImportRejected(
                f"发现 {run.problem_count} 处问题，未写入任何数据（导入记录 {run.id}）",
                errors={"import_id": run.id, "counts": run.counts, "problems": run.problems},
            )
        return run

    @blp.arguments(ImportListArgs, location="query")
    @blp.response(200, ImportSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """导入记录（部门编辑只看本部门的）"""
        actor = signed_in_actor()
        stmt = where_equal(select(CatalogImport), (CatalogImport.status, args.get("status")))
        if not reads_all(actor):
            stmt = stmt.where(CatalogImport.actor_id == actor.user_id)
        return apply_sort(stmt, CatalogImport, args.get("sort"), {"id"})


@blp.route("/imports/<int:import_id>")
class ImportItem(MethodView):
    @blp.response(200, ImportSchema)
    def get(self, import_id):
        actor = signed_in_actor()
        run = get_record(db.session, CatalogImport, import_id, label="导入记录")
        if not may_read_import(actor, run.actor_id):
            raise Forbidden("只能查看自己的导入记录")
        return run


@blp.route("/imports/template")
class ImportTemplate(MethodView):
    @blp.doc(**download(XLSX, description="目录模板"))
    def get(self):
        """下载目录模板（xlsx，含下拉列表、填写提示和示例行）"""
        buf = io.BytesIO()
        write_xlsx([], buf, template=True)
        return _download(
            buf.getvalue(),
            "目录模板.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


@blp.route("/exports")
class Exports(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(**download(XLSX, "text/csv", "application/json", description="目录导出"))
    def get(self, args):
        """导出可见的目录（可按部门、分类、状态筛选），格式与模板一致，可修改后再导入"""
        fmt = args.pop("format")
        records = export_records(db.session, current_actor(), current_app.config, **args)
        if fmt == "xlsx":
            buf = io.BytesIO()
            write_xlsx(records, buf)
            return _download(
                buf.getvalue(),
                "目录导出.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        text = io.StringIO()
        (write_csv if fmt == "csv" else write_json)(records, text)
        body = ("\ufeff" + text.getvalue()) if fmt == "csv" else text.getvalue()
        return _download(
            body.encode("utf-8"),
            f"目录导出.{fmt}",
            "text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        )


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    from urllib.parse import quote

    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
