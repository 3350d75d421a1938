"""What every page shares: Chinese labels for stored codes, local times, the form
helpers that turn a posted form into a service's input and its errors back into
messages beside their fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request, url_for
from marshmallow import ValidationError

from ..authz import Actor, require_login
from ..db import local_now
from ..errors import Invalid, RegistryError
from ..identity import current_actor
from ..services.review import STATE_LABELS

ROLE_LABELS = {
    "dept_editor": "部门信息员",
    "center_reviewer": "大数据中心审核员",
    "ndrc_officer": "发改委工作人员",
    "auditor": "审计人员",
    "admin": "系统管理员",
}
STATUS_LABELS = {**STATE_LABELS, "retired": "已下架"}
COLLECTION_MODE_LABELS = {"collected": "原始采集", "obtained": "共享获取"}
ACTION_LABELS = {
    "create": "登记",
    "update": "修改",
    "submit": "提交审核",
    "publish": "审核发布",
    "reject": "退回修改",
    "retire": "下架",
}
SYSTEM_STATUS_LABELS = {
    "planned": "规划中",
    "building": "建设中",
    "in_use": "在用",
    "retired": "停用",
}
INTERFACE_KIND_LABELS = {"api": "服务接口", "table": "库表交换", "file": "文件"}
HEALTH_LABELS = {
    "unknown": "未知",
    "up": "正常",
    "slow": "响应缓慢",
    "failing": "访问失败",
    "down": "不可用",
}


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (or its ISO text, as JSON histories keep it) in the county's
    time zone (LOCAL_TIMEZONE)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(current_app.config["LOCAL_TIMEZONE"])).strftime(fmt)


def county_today() -> date:
    """Today in the county's time zone (LOCAL_TIMEZONE): deadlines and due dates."""
    return local_now(current_app.config["LOCAL_TIMEZONE"]).date()


def waiting(value: datetime | None, now: datetime) -> str:
    """How long something has waited, as a reviewer reads it."""
    if value is None:
        return ""
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} 分钟"
    if minutes < 24 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"


def safe_next(target: str | None, default: str) -> str:
    """Where to go after sign-in: a path on this site only (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def text_or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


class FormErrors:
    """Errors by field, as the API reports them (``items`` nested by row), for a form to
    show beside each field; ``general`` holds what belongs to no field."""

    def __init__(self, messages: dict[str, Any] | None = None, general: str | None = None):
        self.fields: dict[str, list[str]] = {}
        self.items: dict[int, dict[str, list[str]]] = {}
        self.general = general
        for name, value in (messages or {}).items():
            self._add(str(name), value)

    def _add(self, name: str, value: Any) -> None:
        if name == "items" and isinstance(value, dict):
            for index, item_errors in value.items():
                row = self.items.setdefault(int(index), {})
                if isinstance(item_errors, dict):
                    for f, msgs in item_errors.items():
                        row.setdefault(f, []).extend(_messages(msgs))
                else:
                    row.setdefault("_row", []).extend(_messages(item_errors))
            return
        self.fields.setdefault(name, []).extend(_messages(value))

    def __bool__(self) -> bool:
        return bool(self.fields or self.items or self.general)

    def get(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def item(self, index: int, name: str) -> list[str]:
        return self.items.get(index, {}).get(name, [])

    @classmethod
    def of(cls, error: Exception) -> FormErrors:
        if isinstance(error, ValidationError):
            return cls(error.messages, "提交的内容有误，请按提示修改")
        if isinstance(error, RegistryError):
            return cls(error.errors, error.message)
        raise error


def load(schema, data: dict[str, Any]) -> dict[str, Any]:
    """A posted form through the API's schema; its refusal is the API's 422."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Invalid(errors=exc.messages) from None


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    return [str(value)]


def signed_in() -> Actor:
    """The signed-in caller; anyone else is sent to sign in (a 401 page)."""
    actor = current_actor()
    require_login(actor)
    return actor


def done(message: str, endpoint: str, **values: Any):
    """After a successful POST: say so, and redirect (a reload never posts twice)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def form_date(name: str) -> date | None:
    """A posted date (YYYY-MM-DD); empty is None, for the service to require it after it
    has decided who may act; malformed is refused at its field."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(errors={name: ["日期格式应为 YYYY-MM-DD"]}) from None


def form_list(name: str) -> list[str]:
    return [v.strip() for v in request.form.getlist(name)]
