"""审核队列: the 大数据中心 reviews submitted catalog entries, one or several at once."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request

from ..db import db
from ..errors import BadRequest, RegistryError
from ..services import review
from ..services.resources import get_resource
from .common import FormErrors, done, signed_in
from .resource_form import FIELD_LABELS

bp = Blueprint("review", __name__, url_prefix="/review")
PAGE_SIZE = 50
DECISIONS = {"publish": "审核通过并发布", "reject": "退回修改"}


def _queue_args() -> dict:
    return {
        "department": request.args.get("department", type=int),
        "department_q": (request.args.get("department_q") or "").strip() or None,
        "classification": (request.args.get("classification") or "").strip() or None,
        "page": max(request.args.get("page", 1, type=int), 1),
    }


@bp.get("")
def queue(errors: FormErrors | None = None, status: int = 200):
    actor = signed_in()
    args = _queue_args()
    if args["classification"] and not args["classification"].isdigit():
        raise BadRequest("分类码前缀应为数字", code="bad_query")
    matches = None
    if args["department_q"] and not args["department"]:
        matches = review.find_departments(db.session, args["department_q"])
        if len(matches) == 1:
            args["department"] = matches[0].id
    entries, total = review.review_queue(
        db.session,
        actor,
        department_id=args["department"],
        classification=args["classification"],
        limit=PAGE_SIZE,
        offset=(args["page"] - 1) * PAGE_SIZE,
    )
    return render_template(
        "review/queue.html",
        entries=entries,
        total=total,
        departments=review.queue_departments(db.session, actor),
        matches=matches,
        args=args,
        per_page=PAGE_SIZE,
        now=datetime.now(UTC),
        errors=errors,
        decisions=DECISIONS,
    ), status


@bp.get("/<int:resource_id>")
def entry(resource_id: int, errors: FormErrors | None = None, status: int = 200):
    actor = signed_in()
    changes = review.changes_since_published(db.session, actor, resource_id)
    resource = get_resource(db.session, actor, resource_id)
    return render_template(
        "review/entry.html",
        r=resource,
        v=changes,
        field_labels=FIELD_LABELS,
        errors=errors,
        decisions=DECISIONS,
    ), status


@bp.post("/decide")
def decide():
    """Publish or return the checked entries (a return needs its reason), all or none."""
    actor = signed_in()
    action = request.form.get("action", "")
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    versions = {rid: request.form.get(f"version-{rid}", type=int) for rid in ids}
    single = request.form.get("single", type=int)
    try:
        done_ = review.transition_many(
            db.session,
            actor,
            versions=versions,
            action=action,
            reason=(request.form.get("reason") or "").strip() or None,
        )
    except RegistryError as exc:
        db.session.rollback()
        errors = FormErrors.of(exc)
        if single:
            return entry(single, errors=errors, status=exc.status)
        return queue(errors=errors, status=exc.status)
    names = "、".join(r.name for r in done_[:3]) + ("等" if len(done_) > 3 else "")
    return done(f"已{DECISIONS.get(action, '下架')} {len(done_)} 项：{names}", "review.queue")
