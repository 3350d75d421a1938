"""/api/v1/match-reviews: data items waiting for a reviewer's match to a data element"""

from flask.views import MethodView

from catalog_schemas.fields import (
    Float,
    Integer,
    ResponseSchema,
    Schema,
    String,
)

from ..db import db
from ..services import matching as matching_svc
from .base import (
    Blueprint,
    current_actor,
    paginate,
)

blp = Blueprint("match_reviews", __name__, url_prefix="/api/v1", description="数据元匹配复核")


class MatchDecisionSchema(Schema):
    name = String(required=True)
    element_identifier = String(
        load_default=None, metadata={"description": "空值表示该信息项不对应任何数据元"}
    )


class MatchDecisionResultSchema(ResponseSchema):
    items = Integer(metadata={"description": "按此决定更新的信息项数"})


class QueueEntrySchema(ResponseSchema):
    name = String()
    suggested = String(metadata={"description": "建议的数据元标识符"})
    confidence = Float()
    items = Integer(metadata={"description": "使用该名称的信息项数"})


@blp.route("/match-reviews")
class MatchReviews(MethodView):
    @blp.response(200, QueueEntrySchema(many=True))
    @paginate(blp)
    def get(self):
        """待复核的数据元匹配（按信息项名称汇总）"""
        return matching_svc.review_queue(db.session, current_actor())

    @blp.arguments(MatchDecisionSchema)
    @blp.response(200, MatchDecisionResultSchema)
    def post(self, data):
        """确认或更正一个信息项名称对应的数据元（此后自动沿用）"""
        return matching_svc.decide_match(
            db.session,
            current_actor(),
            name=data["name"],
            element_identifier=data["element_identifier"],
        )
