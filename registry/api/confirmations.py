"""/api/v1/projects/{id}/confirmation-applications, /api/v1/confirmations/…, and /verify/{number}"""

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from catalog_schemas.fields import DateTime, Dict, Integer, List, ResponseSchema, Schema, String

from ..authz import AUDITOR, NDRC, REVIEWER, require_role
from ..db import db, local_now
from ..models import Confirmation, SigningKey
from ..services import confirmations as svc
from ..services._records import where_equal
from .base import (
    Blueprint,
    ListArgs,
    apply_sort,
    current_actor,
    if_match_version,
    paginate,
    register_transition,
    signed_in_actor,
    with_etag,
)
from .openapi import download

blp = Blueprint(
    "confirmations", __name__, url_prefix="/api/v1", description="数据共享完成确认意见（第十五条）"
)


class ConfirmationSchema(ResponseSchema):
    id = Integer()
    project_id = Integer()
    status = String()
    applicant_name = String()
    evaluated_at = DateTime()
    checks = List(Dict())
    catalog_digest = String()
    catalog_state = List(Dict())
    opinion = String()
    override_reason = String()
    decided_at = DateTime()
    number = String()
    document = Dict()
    digest = String()
    signature = String()
    key_id = String()
    revoked_reason = String()
    superseded_by_id = Integer()
    version = Integer()


class DecisionSchema(Schema):
    opinion = String(load_default=None)
    override_reason = String(
        load_default=None, metadata={"description": "检查未通过仍签发时必填，留痕审计"}
    )


class ConfirmationArgs(ListArgs):
    project_id = Integer()
    status = String()


@blp.route("/projects/<int:project_id>/confirmation-applications")
class Applications(MethodView):
    @blp.response(201, ConfirmationSchema)
    def post(self, project_id):
        """申请数据共享完成确认意见（项目建设单位）：逐项检查并留存检查结果"""
        today = local_now(current_app.config["LOCAL_TIMEZONE"]).date()
        conf = svc.apply_for_confirmation(db.session, current_actor(), project_id, today=today)
        return with_etag(conf, 201)


@blp.route("/confirmations")
class Confirmations(MethodView):
    @blp.arguments(ConfirmationArgs, location="query")
    @blp.response(200, ConfirmationSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """确认意见列表（大数据中心、发改委、审计）"""
        require_role(signed_in_actor(), REVIEWER, NDRC, AUDITOR)
        sort = args.pop("sort")
        stmt = where_equal(
            select(Confirmation),
            (Confirmation.project_id, args.get("project_id")),
            (Confirmation.status, args.get("status")),
        )
        return apply_sort(stmt, Confirmation, sort, {"id", "updated_at"})


@blp.route("/confirmations/<int:confirmation_id>")
class ConfirmationItem(MethodView):
    @blp.response(200, ConfirmationSchema)
    def get(self, confirmation_id):
        return with_etag(svc.get_confirmation(db.session, signed_in_actor(), confirmation_id))


@blp.route("/confirmations/<int:confirmation_id>/issue")
class ConfirmationIssue(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, ConfirmationSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, confirmation_id):
        """签发（大数据中心）：签名并编号；有检查未通过时须记录理由"""
        conf = svc.issue_confirmation(
            db.session,
            current_actor(),
            confirmation_id,
            expected_version=if_match_version(),
            settings=svc.ConfirmationSettings.from_config(current_app.config),
            **data,
        )
        return with_etag(conf)


for _action, _doc in (
    ("reject", "退回（大数据中心，须写明意见 reason）"),
    ("revoke", "撤销（大数据中心，须说明原因）"),
):
    register_transition(
        blp,
        f"/confirmations/<int:confirmation_id>/{_action}",
        _action,
        _doc,
        ConfirmationSchema,
        svc.close_confirmation,
    )


@blp.route("/confirmations/<int:confirmation_id>/document")
class ConfirmationDocument(MethodView):
    @blp.doc(
        **download(
            "application/json",
            description="签名文件：document、canonical、digest、signature、public_key",
        )
    )
    def get(self, confirmation_id):
        """下载已签名的确认意见（JSON，可用 registry confirm verify 离线核验）"""
        conf = svc.get_issued_confirmation(db.session, current_actor(), confirmation_id)
        key = db.session.get(SigningKey, conf.key_id)
        return svc.signed_file(conf, key.public_key)
