"""/api/v1/share-requests, /grants, /usage-reports, /corrections: 共享申请 and their
answers, 共享授权, 使用情况反馈 and 纠错."""

from __future__ import annotations

import csv
import hashlib
import io

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import validate

from catalog_schemas.fields import (
    Boolean,
    Date,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Nested,
    ResponseSchema,
    Schema,
    String,
    one_of,
    text_length,
)
from importers.writers import scores_workbook

from ..db import db
from ..errors import BadRequest, Invalid
from ..models import (
    GRANT_STATUSES,
    REQUEST_STATUSES,
    Correction,
    Grant,
    ShareRequest,
    UsageReport,
)
from ..services import feedback, grants, scores
from ..services import sharing as svc
from ..services.imports import safe_filename
from .base import (
    Blueprint,
    ListArgs,
    apply_sort,
    current_actor,
    if_match_version,
    paginate,
    signed_in_actor,
    with_etag,
)
from .openapi import XLSX, download, upload

blp = Blueprint("sharing", __name__, url_prefix="/api/v1", description="共享申请与共享授权")


def _settings() -> svc.SharingSettings:
    return svc.SharingSettings.from_config(current_app.config)


class ShareRequestSchema(Schema):
    id = Integer(dump_only=True)
    resource_id = Integer(required=True)
    requester_system_id = Integer(required=True, metadata={"description": "使用数据的本部门系统"})
    purpose = String(required=True, validate=text_length(1, 2000))
    business_matter = String(
        required=True, validate=text_length(1, 200), metadata={"description": "业务事项"}
    )
    legal_basis = String(allow_none=True, validate=text_length(max=2000))
    item_names = List(
        String(validate=text_length(1, 100)),
        load_default=list,
        validate=validate.Length(max=2000),
        metadata={"description": "申请的信息项名称；不填为全部"},
    )
    interface_id = Integer(allow_none=True, metadata={"description": "不填则用接入平台的接口"})
    period_start = Date(required=True)
    period_end = Date(allow_none=True)
    provider_department_id = Integer(dump_only=True)
    requester_department_id = Integer(dump_only=True)
    status = String(dump_only=True)
    deadline_days = Integer(dump_only=True)
    submitted_at = DateTime(dump_only=True)
    due_date = Date(dump_only=True)
    remaining_days = Integer(dump_only=True)
    question = String(dump_only=True)
    reply = String(dump_only=True)
    decided_at = DateTime(dump_only=True)
    decision_reason = String(dump_only=True)
    answered_late = Boolean(dump_only=True)
    escalated_at = DateTime(dump_only=True)
    arbitrated = Boolean(dump_only=True)
    version = Integer(dump_only=True)


class ShareRequestArgs(ListArgs):
    status = String(validate=one_of(REQUEST_STATUSES, "状态"))
    resource_id = Integer()
    department_id = Integer()
    side = String(validate=one_of(("requester", "provider"), "一方"))
    overdue = Boolean(metadata={"description": "只看逾期未答复的"})


class AnswerSchema(Schema):
    reason = String(load_default=None, validate=text_length(max=2000))
    ends_on = Date(load_default=None, metadata={"description": "批准时：授权截止日期"})


class ReplySchema(Schema):
    reply = String(required=True, validate=text_length(1, 2000))


class GrantSchema(ResponseSchema):
    id = Integer()
    request_id = Integer()
    resource_id = Integer()
    provider_department_id = Integer()
    consumer_department_id = Integer()
    consumer_system_id = Integer()
    flow_id = Integer()
    starts_on = Date()
    ends_on = Date()
    status = String()
    ended_at = DateTime()
    end_reason = String()
    version = Integer()


class GrantArgs(ListArgs):
    status = String(validate=one_of(GRANT_STATUSES, "状态"))
    department_id = Integer()


class RenewSchema(Schema):
    ends_on = Date(required=True, allow_none=True)


SORTABLE = {"id", "submitted_at", "due_date", "status"}


@blp.route("/share-requests")
class ShareRequests(MethodView):
    @blp.arguments(ShareRequestArgs, location="query")
    @blp.response(200, ShareRequestSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """共享申请（本部门提出或收到的；大数据中心、发改委、审计可见全部）"""
        sort = args.pop("sort")
        overdue = args.pop("overdue", None)
        stmt = svc.list_share_requests(
            signed_in_actor(), **args, overdue_on=_settings().today() if overdue else None
        )
        return apply_sort(stmt, ShareRequest, sort or "-id", SORTABLE)

    @blp.arguments(ShareRequestSchema)
    @blp.response(201, ShareRequestSchema)
    def post(self, data):
        """提出共享申请（部门编辑，为本部门的系统申请他部门已发布的资源）"""
        request = svc.create_share_request(
            db.session, current_actor(), data=data, settings=_settings()
        )
        return with_etag(request, 201)


@blp.route("/share-requests/<int:request_id>")
class ShareRequestItem(MethodView):
    @blp.response(200, ShareRequestSchema)
    def get(self, request_id):
        return with_etag(svc.get_share_request(db.session, signed_in_actor(), request_id))


def _answer_view(action: str, doc: str) -> None:
    @blp.arguments(AnswerSchema)
    @blp.response(200, ShareRequestSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, request_id):
        request = svc.answer_share_request(
            db.session,
            current_actor(),
            request_id,
            action=action,
            reason=data["reason"],
            ends_on=data["ends_on"],
            expected_version=if_match_version(),
            settings=_settings(),
        )
        return with_etag(request)

    post.__doc__ = doc
    name = f"ShareRequest{action.title()}"
    blp.route(f"/share-requests/<int:request_id>/{action}")(
        type(name, (MethodView,), {"post": post})
    )


for _action, _doc in (
    ("approve", "批准（提供方；生成共享授权和经共享平台的数据流）"),
    ("refuse", "拒绝（提供方；须写明未满足的共享条件）"),
    ("ask", "要求补充材料（提供方；答复期限暂停计算）"),
):
    _answer_view(_action, _doc)


@blp.route("/share-requests/<int:request_id>/answer")
class ShareRequestReply(MethodView):
    @blp.arguments(ReplySchema)
    @blp.response(200, ShareRequestSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, request_id):
        """补充材料（申请方；答复期限按剩余工作日继续计算）"""
        request = svc.reply_share_request(
            db.session,
            current_actor(),
            request_id,
            reply=data["reply"],
            expected_version=if_match_version(),
            settings=_settings(),
        )
        return with_etag(request)


@blp.route("/share-requests/<int:request_id>/withdraw")
class ShareRequestWithdraw(MethodView):
    @blp.arguments(AnswerSchema)
    @blp.response(200, ShareRequestSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, request_id):
        """撤回申请（申请方，答复前）"""
        request = svc.withdraw_share_request(
            db.session,
            current_actor(),
            request_id,
            reason=data["reason"],
            expected_version=if_match_version(),
        )
        return with_etag(request)


class ArbitrateSchema(Schema):
    action = String(required=True, validate=one_of(("approve", "refuse"), "协调结论"))
    reason = String(required=True, validate=text_length(1, 2000))


@blp.route("/share-requests/<int:request_id>/arbitrate")
class ShareRequestArbitrate(MethodView):
    @blp.arguments(ArbitrateSchema)
    @blp.response(200, ShareRequestSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, request_id):
        """协调逾期申请（大数据中心）"""
        request = svc.arbitrate_share_request(
            db.session,
            current_actor(),
            request_id,
            action=data["action"],
            reason=data["reason"],
            expected_version=if_match_version(),
            settings=_settings(),
        )
        return with_etag(request)


@blp.route("/grants")
class Grants(MethodView):
    @blp.arguments(GrantArgs, location="query")
    @blp.response(200, GrantSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """共享授权"""
        sort = args.pop("sort")
        return apply_sort(
            grants.list_grants(signed_in_actor(), **args), Grant, sort or "-id", {"id", "ends_on"}
        )


@blp.route("/grants/<int:grant_id>")
class GrantItem(MethodView):
    @blp.response(200, GrantSchema)
    def get(self, grant_id):
        return with_etag(grants.get_grant(db.session, signed_in_actor(), grant_id))


@blp.route("/grants/<int:grant_id>/withdraw")
class GrantWithdraw(MethodView):
    @blp.arguments(AnswerSchema)
    @blp.response(200, GrantSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, grant_id):
        """撤销授权（提供方，须说明原因；数据流随之终止）"""
        grant = grants.withdraw_grant(
            db.session,
            current_actor(),
            grant_id,
            reason=data["reason"],
            expected_version=if_match_version(),
        )
        return with_etag(grant)


@blp.route("/grants/<int:grant_id>/renew")
class GrantRenew(MethodView):
    @blp.arguments(RenewSchema)
    @blp.response(200, GrantSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, grant_id):
        """授权续期（提供方；ends_on 为空即长期）"""
        grant = grants.renew_grant(
            db.session,
            current_actor(),
            grant_id,
            ends_on=data["ends_on"],
            expected_version=if_match_version(),
            today=_settings().today(),
        )
        return with_etag(grant)


# -- usage feedback and corrections ----------------------------------------------------------


class UsageReportSchema(Schema):
    id = Integer(dump_only=True)
    grant_id = Integer(required=True)
    period = String(required=True, metadata={"description": "报告期，如 2026Q4"})
    uses = Integer(required=True, validate=validate.Range(0, 10**9, error="次数应为非负整数"))
    purposes = String(required=True, validate=text_length(1, 2000))
    met_purpose = Boolean(required=True)
    problems = String(allow_none=True, validate=text_length(max=2000))
    submitted_at = DateTime(dump_only=True)


class UsageReportArgs(ListArgs):
    grant_id = Integer()


@blp.route("/usage-reports")
class UsageReports(MethodView):
    @blp.arguments(UsageReportArgs, location="query")
    @blp.response(200, UsageReportSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """共享信息使用情况反馈"""
        sort = args.pop("sort")
        return apply_sort(
            feedback.list_usage_reports(signed_in_actor(), **args),
            UsageReport,
            sort or "-id",
            {"id", "period"},
        )

    @blp.arguments(UsageReportSchema)
    @blp.response(201, UsageReportSchema)
    def post(self, data):
        """报告授权数据的使用情况（使用方部门编辑，每季度一次）"""
        grant_id = data.pop("grant_id")
        return feedback.submit_usage_report(
            db.session, current_actor(), grant_id, data=data, settings=_settings(), reference=True
        )


class CorrectionSchema(Schema):
    id = Integer(dump_only=True)
    resource_id = Integer(required=True)
    item_name = String(allow_none=True, validate=text_length(1, 100))
    description = String(required=True, validate=text_length(1, 2000))
    example = String(allow_none=True, validate=text_length(max=2000))
    provider_department_id = Integer(dump_only=True)
    requester_department_id = Integer(dump_only=True)
    status = String(dump_only=True)
    submitted_at = DateTime(dump_only=True)
    due_date = Date(dump_only=True)
    answer = String(dump_only=True)
    corrected = Boolean(dump_only=True)
    answered_at = DateTime(dump_only=True)
    answered_late = Boolean(dump_only=True)
    version = Integer(dump_only=True)


class CorrectionArgs(ListArgs):
    resource_id = Integer()
    status = String(validate=one_of(("open", "answered"), "状态"))


class CorrectionAnswerSchema(Schema):
    answer = String(required=True, validate=text_length(1, 2000))
    corrected = Boolean(required=True, metadata={"description": "数据确有错误并已更正"})


@blp.route("/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionArgs, location="query")
    @blp.response(200, CorrectionSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """疑义与纠错"""
        sort = args.pop("sort")
        return apply_sort(
            feedback.list_corrections(signed_in_actor(), **args),
            Correction,
            sort or "-id",
            {"id", "due_date"},
        )

    @blp.arguments(CorrectionSchema)
    @blp.response(201, CorrectionSchema)
    def post(self, data):
        """对已发布资源的数据提出疑义或纠错（其他部门的信息员）"""
        correction = feedback.create_correction(
            db.session,
            current_actor(),
            data=data,
            settings=_settings(),
            deadline_days=current_app.config["CORRECTION_DEADLINE_DAYS"],
        )
        return with_etag(correction, 201)


@blp.route("/corrections/<int:correction_id>")
class CorrectionItem(MethodView):
    @blp.response(200, CorrectionSchema)
    def get(self, correction_id):
        return with_etag(feedback.get_correction(db.session, signed_in_actor(), correction_id))


@blp.route("/corrections/<int:correction_id>/answer")
class CorrectionAnswer(MethodView):
    @blp.arguments(CorrectionAnswerSchema)
    @blp.response(200, CorrectionSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, correction_id):
        """答复纠错（提供方，须在期限内）"""
        correction = feedback.answer_correction(
            db.session,
            current_actor(),
            correction_id,
            answer=data["answer"],
            corrected=data["corrected"],
            expected_version=if_match_version(),
            settings=_settings(),
        )
        return with_etag(correction)


# -- sharing scores --------------------------------------------------------------------------


class ScoreSchema(ResponseSchema):
    id = Integer(allow_none=True)
    name = String()
    department_id = Integer(allow_none=True)
    resources = Integer()
    shareable = Integer()
    via_platform = Integer()
    requests = Integer()
    answered = Integer()
    answered_on_time = Integer()
    approved = Integer()
    median_answer_days = Float(allow_none=True)
    active_grants = Integer()
    consumers = Integer()
    usage_reports = Integer()
    reported_uses = Integer()
    observed_calls = Integer()
    corrections = Integer()
    corrections_on_time = Integer()
    ratios = Dict()
    score = Float()


class ScoresSchema(ResponseSchema):
    scope = String()
    county = Nested(ScoreSchema)
    rows = List(Nested(ScoreSchema))


class ScoreArgs(Schema):
    scope = String(
        load_default="department",
        validate=one_of(scores.SCOPES, "范围"),
        metadata={"description": "按提供部门、资源、系统或项目计算"},
    )
    department_id = Integer(metadata={"description": "只看该部门的资源、系统或参与的项目"})
    region = String(metadata={"description": "省级部署：只看该县（区）的部门，合计为该县的"})


def _scores(args: dict) -> tuple[list[scores.SharingScore], scores.SharingScore]:
    return scores.sharing_scores(
        db.session,
        signed_in_actor(),
        scope=args["scope"],
        department_id=args.get("department_id"),
        region=args.get("region"),
        weights=current_app.config["SHARING_SCORE_WEIGHTS"],
    )


@blp.route("/sharing-scores")
class SharingScores(MethodView):
    @blp.arguments(ScoreArgs, location="query")
    @blp.response(200, ScoresSchema)
    def get(self, args):
        """共享范围、程度：按部门、资源、系统或项目，及全县的共享指标（由记录计算）"""
        rows, county = _scores(args)
        return {
            "scope": args["scope"],
            "county": county.as_dict(),
            "rows": [r.as_dict() for r in rows],
        }


@blp.route("/sharing-scores/export")
class SharingScoresExport(MethodView):
    @blp.arguments(ScoreArgs, location="query")
    @blp.doc(**download(XLSX, description="共享指标工作簿"))
    def get(self, args):
        """共享指标工作簿（供发改委投资与运维经费决策，Art. 9(3)）"""
        rows, county = _scores(args)
        body = scores_workbook([r.as_dict() for r in rows], county.as_dict(), scope=args["scope"])
        return Response(
            body,
            mimetype=XLSX,
            headers={
                "Content-Disposition": f"attachment; filename=sharing-scores-{args['scope']}.xlsx"
            },
        )


# -- observed usage --------------------------------------------------------------------------


class UsageLogResultSchema(ResponseSchema):
    rows = Integer()
    matched_grants = Integer()


@blp.route("/usage-log")
class UsageLog(MethodView):
    @blp.response(201, UsageLogResultSchema)
    @blp.doc(**upload("共享交换平台调用日志 CSV（UTF-8 或 GB18030）"))
    def post(self):
        """载入共享交换平台的调用日志（大数据中心）：全部行有效才写入"""
        actor = signed_in_actor()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadRequest("请以 multipart/form-data 上传 file 字段", code="no_file")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise Invalid(errors={"file": [f"不是有效的 CSV 文件：{exc}"]}) from None
        source = f"{safe_filename(upload.filename)} sha256:{hashlib.sha256(raw).hexdigest()[:16]}"
        return feedback.load_usage_log(db.session, actor, text_rows=rows, source=source), 201


@blp.route("/grants/unused")
class UnusedGrants(MethodView):
    @blp.response(200, GrantSchema(many=True))
    def get(self):
        """有效授权中近 90 天无调用记录的（仅在已载入调用日志时）"""
        return feedback.unused_grants(db.session, signed_in_actor(), today=_settings().today())
