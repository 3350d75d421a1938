"""/api/v1/findings: the problems the analyses found and their rectification (Art. 17)"""

from flask import current_app
from flask.views import MethodView

from catalog_schemas.fields import (
    Boolean,
    Date,
    DateTime,
    Dict,
    Integer,
    List,
    ResponseSchema,
    Schema,
    String,
    one_of,
    text_length,
)

from ..db import db, local_now
from ..models import FINDING_KINDS, FINDING_STATUSES, Finding
from ..services import findings as findings_svc
from ..services._records import get_record
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

blp = Blueprint("findings", __name__, url_prefix="/api/v1", description="问题清单与整改")


class FindingSchema(ResponseSchema):
    id = Integer()
    kind = String()
    subject_type = String()
    subject_id = Integer()
    department_id = Integer()
    title = String()
    evidence = Dict()
    status = String()
    status_reason = String()
    history = List(Dict())
    plan = String(metadata={"description": "整改计划（责任部门报告整改中时填写）"})
    due_date = Date(metadata={"description": "整改完成时限"})
    first_seen_run_id = Integer()
    last_seen_run_id = Integer()
    resolved_at = DateTime()
    version = Integer()
    created_at = DateTime()
    updated_at = DateTime()


class FindingArgs(ListArgs):
    kind = String(validate=one_of(FINDING_KINDS, "问题类型"))
    status = String(validate=one_of(FINDING_STATUSES, "状态"))
    department_id = Integer()
    subject_type = String()
    subject_id = Integer()
    run_id = Integer()
    project_id = Integer(metadata={"description": "项目本身或其牵头、共建单位的问题"})
    overdue = Boolean(metadata={"description": "true：仅列出已过整改时限仍未整改的问题"})


def _today():
    return local_now(current_app.config["LOCAL_TIMEZONE"]).date()


class RectifyingSchema(Schema):
    # Required, but checked by the service after who may act (a stranger gets 403, not 422).
    plan = String(load_default=None, validate=text_length(max=2000))
    due_date = Date(load_default=None)
    reason = String(load_default=None, validate=text_length(max=1000))


@blp.route("/findings")
class Findings(MethodView):
    @blp.arguments(FindingArgs, location="query")
    @blp.response(200, FindingSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """问题清单（可按类型、状态、部门筛选）"""
        signed_in_actor()
        sort = args.pop("sort")
        overdue_on = _today() if args.pop("overdue", False) else None
        return apply_sort(
            findings_svc.list_findings(**args, overdue_on=overdue_on),
            Finding,
            sort,
            {"id", "kind", "updated_at", "due_date"},
        )


@blp.route("/findings/<int:finding_id>")
class FindingItem(MethodView):
    @blp.response(200, FindingSchema)
    def get(self, finding_id):
        signed_in_actor()
        return with_etag(get_record(db.session, Finding, finding_id, label="问题"))


@blp.route("/findings/<int:finding_id>/rectifying")
class FindingRectifying(MethodView):
    @blp.arguments(RectifyingSchema)
    @blp.response(200, FindingSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, finding_id):
        """报告正在整改（责任部门）：整改计划与完成时限"""
        return with_etag(
            findings_svc.transition_finding(
                db.session,
                current_actor(),
                finding_id,
                action="rectifying",
                expected_version=if_match_version(),
                today=_today(),
                **data,
            )
        )


for _action, _doc in (
    ("resolve", "确认已整改（大数据中心，须说明）"),
    ("waive", "豁免（大数据中心，须说明理由）"),
    ("reopen", "重新打开（大数据中心，须说明）"),
):
    register_transition(
        blp,
        f"/findings/<int:finding_id>/{_action}",
        _action,
        _doc,
        FindingSchema,
        findings_svc.transition_finding,
    )
