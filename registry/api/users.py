"""/api/v1/users"""

from flask.views import MethodView

from catalog_schemas.fields import Boolean, DateTime, Integer, Schema, String, one_of, text_length

from ..authz import ADMIN, AUDITOR, require_role
from ..db import db
from ..models import ROLES, User
from ..services import users as svc
from .base import Blueprint, ListArgs, current_actor
from .crud import register_crud

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="用户与访问令牌（管理员）")


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


class TokenSchema(Schema):
    token = String(dump_only=True, metadata={"description": "仅此一次显示，请妥善保存"})


def _admin_or_auditor():
    actor = current_actor()
    require_role(actor, ADMIN, AUDITOR)
    return actor


register_crud(
    blp, model=User, schema=UserSchema, args_schema=UserArgs, label="用户",
    list_records=svc.list_users, create=svc.create_user, update=svc.update_user,
    read_actor=_admin_or_auditor,
)


@blp.route("/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.response(201, TokenSchema)
    def post(self, user_id):
        """为用户签发访问令牌（管理员；令牌仅显示一次）"""
        return {"token": svc.issue_token(db.session, current_actor(), user_id=user_id)}
