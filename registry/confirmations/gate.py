"""The acceptance gate (Art. 15, 16): what a project needs before `acceptance_requested`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import local_now
from ..errors import Conflict
from ..models import Confirmation, Project
from .service import MESSAGES, confirmation_status


def check_acceptance_gate(session: Session, project: Project, settings: dict[str, Any]) -> dict[str, Any]:
    """Raise with the rule and what is missing, or return the evidence the move rests on."""
    conf = session.scalar(select(Confirmation).where(Confirmation.project_id == project.id,
                                                     Confirmation.status == "issued")
                          .order_by(Confirmation.id.desc()))
    if conf is None:  # Art. 15: no confirmation, no acceptance
        raise Conflict("第十五条：未取得大数据中心出具的数据共享完成确认意见，不得申请验收",
                       code="art15_no_confirmation")
    result, _, changed = confirmation_status(session, conf)
    if result != "valid":
        raise Conflict(f"第十五条：确认意见 {conf.number} 当前不可用（{MESSAGES[result]}）",
                       code="art15_confirmation_invalid",
                       errors={"changed": [f"{c['type']} {c['code']}：{c['change']}" for c in changed]})
    required = settings["ACCEPTANCE_MATERIALS"]
    materials = project.acceptance_materials or {}
    missing = [title for key, title in required.items() if not (materials.get(key) or {}).get("present")]
    if missing:
        raise Conflict("第十六条：验收申请材料不全", code="art16_materials_missing",
                       errors={"acceptance_materials": missing})
    due = project.planned_acceptance_date
    if due is not None and local_now(settings["LOCAL_TIMEZONE"]).date() > due:
        raise Conflict(f"第十六条：已超过计划验收日期 {due.isoformat()}，须先提出延期验收申请",
                       code="art16_extension_required")
    return {"confirmation": conf.number, "confirmation_digest": conf.digest,
            "materials": sorted(required)}
