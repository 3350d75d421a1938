"""/api/v1/users"""

from flask.views import MethodView
from marshmallow import validate

from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Integer,
    ResponseSchema,
    Schema,
    String,
    one_of,
    text_length,
)

from ..authz import ADMIN, AUDITOR, require_role
from ..db import db
from ..models import ROLES, User
from ..services import users as svc
from .base import Blueprint, ListArgs, current_actor
from .crud import register_crud

blp = Blueprint(
    "users", __name__, url_prefix="/api/v1/users", description="用户与访问令牌（管理员）"
)


class UserSchema(Schema):
    id = Integer(dump_only=True)
    name = String(required=True, validate=text_length(1, 64))
    display_name = String(allow_none=True, validate=text_length(max=100))
    role = String(required=True, validate=one_of(ROLES, "角色"))
    department_id = Integer(allow_none=True)
    active = Boolean(load_default=True)
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)


class UserArgs(ListArgs):
    role = String()
    department_id = Integer()


class TokenSchema(ResponseSchema):
    token = String(dump_only=True, metadata={"description": "仅此一次显示，请妥善保存"})


def _admin_or_auditor():
    actor = current_actor()
    require_role(actor, ADMIN, AUDITOR)
    return actor


register_crud(
    blp,
    model=User,
    schema=UserSchema,
    args_schema=UserArgs,
    label="用户",
    list_records=svc.list_users,
    create=svc.create_user,
    update=svc.update_user,
    read_actor=_admin_or_auditor,
)


class TokenRequestSchema(Schema):
    expires_in_days = Integer(
        load_default=None,
        validate=validate.Range(1, 3650, error="有效期应为 1 到 3650 天"),
        metadata={"description": "有效天数；不填则长期有效，直至撤销"},
    )


class TokenInfoSchema(ResponseSchema):
    id = Integer()
    prefix = String(metadata={"description": "令牌开头几位，便于辨认"})
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    revoked_at = DateTime(allow_none=True)


@blp.route("/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data, user_id):
        """为用户签发访问令牌（本人或管理员；令牌仅显示一次，可设有效期）"""
        return {"token": svc.issue_token(db.session, current_actor(), user_id=user_id, **data)}

    @blp.response(200, TokenInfoSchema(many=True))
    def get(self, user_id):
        """用户的访问令牌（只显示开头几位、签发、到期与撤销时间）"""
        return svc.list_tokens(db.session, current_actor(), user_id=user_id)


@blp.route("/<int:user_id>/tokens/<int:token_id>")
class UserToken(MethodView):
    @blp.response(204)
    def delete(self, user_id, token_id):
        """撤销一个访问令牌（本人或管理员）"""
        svc.revoke_token(db.session, current_actor(), token_id=token_id, user_id=user_id)
