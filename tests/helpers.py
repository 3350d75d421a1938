"""Test helpers: a small world of departments and users, payload factories, a client."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from catalog_schemas import credit_code_check_char
from registry.authz import Actor
from registry.db import db
from registry.services import departments, users

SYSTEM = Actor.system("test")
_seq = itertools.count(1)


def credit_code(n: int) -> str:
    body = f"11330000{n:09d}"[:17]
    return body + credit_code_check_char(body)


@dataclass
class World:
    dept_a: int
    dept_b: int
    dept_a_code: str
    dept_b_code: str
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


ROLE_USERS = {
    "editor_a": ("dept_editor", "a"),
    "editor_b": ("dept_editor", "b"),
    "reviewer": ("center_reviewer", None),
    "ndrc": ("ndrc_officer", None),
    "auditor": ("auditor", None),
    "admin": ("admin", None),
}


def build_world(app) -> World:
    with app.app_context():
        s = db.session
        a = departments.create_department(
            s, SYSTEM, data={"code": credit_code(101), "name": "县公安局", "kind": "政府"}
        )
        b = departments.create_department(
            s, SYSTEM, data={"code": credit_code(202), "name": "县市场监督管理局", "kind": "政府"}
        )
        world = World(a.id, b.id, a.code, b.code)
        for name, (role, dept) in ROLE_USERS.items():
            dept_id = {"a": a.id, "b": b.id, None: None}[dept]
            user = users.create_user(
                s, SYSTEM, data={"name": name, "role": role, "department_id": dept_id}
            )
            world.user_ids[name] = user.id
            world.tokens[name] = users.issue_token(s, SYSTEM, user_id=user.id)
        s.commit()
    return world


def resource_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    data = {
        "classification_code": "101001",
        "name": f"人口基础信息{n}",
        "summary": "全县户籍人口基础信息",
        "format_class": "数据库",
        "format_detail": "KingbaseES",
        "share_type": "有条件共享",
        "share_condition": "仅限政务用途，经审批后使用",
        "share_method_class": "共享平台方式",
        "share_method_platform": "接口",
        "open_type": "不予开放",
        "update_cycle": "每日",
        "publish_date": "2026-01-15",
        "items": [
            {"name": "公民身份号码", "data_type": "字符型C", "length": 18},
            {"name": "姓名", "data_type": "字符串型C", "length": 50},
            {"name": "出生日期", "data_type": "D"},
        ],
    }
    data.update(overrides)
    return data


class ApiClient:
    """The Flask test client with a role to act as: ``api.as_("editor_a").post(...)``."""

    def __init__(self, client, world: World, who: str | None = None) -> None:
        self.client = client
        self.world = world
        self.who = who

    def as_(self, who: str | None) -> ApiClient:
        return ApiClient(self.client, self.world, who)

    def _headers(self, etag: str | None, extra: dict | None) -> dict:
        headers = dict(extra or {})
        if self.who:
            headers["Authorization"] = f"Bearer {self.world.tokens[self.who]}"
        if etag:
            headers["If-Match"] = etag
        return headers

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self._headers(None, kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, etag: str | None = None, **kw):
        return self.client.post(
            url, json=json, headers=self._headers(etag, kw.pop("headers", None)), **kw
        )

    def patch(self, url: str, json: Any = None, etag: str | None = None, **kw):
        return self.client.patch(
            url, json=json, headers=self._headers(etag, kw.pop("headers", None)), **kw
        )

    def put(self, url: str, json: Any = None, etag: str | None = None, **kw):
        return self.client.put(
            url, json=json, headers=self._headers(etag, kw.pop("headers", None)), **kw
        )

    def delete(self, url: str, etag: str | None = None, **kw):
        return self.client.delete(url, headers=self._headers(etag, kw.pop("headers", None)), **kw)

    def create_resource(self, who: str = "editor_a", **overrides):
        r = self.as_(who).post("/api/v1/resources", json=resource_payload(**overrides))
        assert r.status_code == 201, r.get_json()
        return r.get_json(), r.headers["ETag"]
