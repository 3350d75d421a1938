"""/api/v1/findings: the problems the analyses found and their rectification (Art. 17)"""

from flask.views import MethodView

from catalog_schemas.fields import (
    DateTime,
    Dict,
    Integer,
    List,
    ResponseSchema,
    String,
    one_of,
)

from ..db import db
from ..models import FINDING_KINDS, FINDING_STATUSES, Finding
from ..services import findings as findings_svc
from ..services._records import get_record
from .base import (
    Blueprint,
    ListArgs,
    apply_sort,
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


@blp.route("/findings")
class Findings(MethodView):
    @blp.arguments(FindingArgs, location="query")
    @blp.response(200, FindingSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """问题清单（可按类型、状态、部门筛选）"""
        signed_in_actor()
        sort = args.pop("sort")
        return apply_sort(
            findings_svc.list_findings(**args), Finding, sort, {"id", "kind", "updated_at"}
        )


@blp.route("/findings/<int:finding_id>")
class FindingItem(MethodView):
    @blp.response(200, FindingSchema)
    def get(self, finding_id):
        signed_in_actor()
        return with_etag(get_record(db.session, Finding, finding_id, label="问题"))


for _action, _doc in (
    ("rectifying", "报告正在整改（责任部门）"),
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
