"""Apply, issue, reject, revoke and verify 数据共享完成确认意见 (Art. 15)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog_schemas.catalog import OPEN_NONE

from .. import audit
from .. import crypto as signing
from ..audit import canonical_json, sm3_hex
from ..authz import (
    REVIEWER,
    Actor,
    may_read_confirmation,
    require_department_editor,
    require_login,
    require_role,
)
from ..db import local_now, utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Confirmation, ConfirmationSequence, Project, Resource, SigningKey
from ._records import check_version, get_record, next_counter, snapshot
from .confirmation_checks import as_dicts, catalog_state, evaluate, load_coverage
from .notifications import already_told, notify

APPLY_STAGES = ("construction",)


_signers: dict[Path, signing.SoftwareSM2Signer] = {}


def signer_for(settings: Mapping[str, Any]) -> signing.SoftwareSM2Signer:
    """The configured key file (which must exist), or one generated into the instance
    folder; read once per process and key file (computing the public key is a point
    multiplication, ~10 ms)."""
    configured = settings.get("SIGNING_KEY_PATH")
    path = (
        Path(configured)
        if configured
        else Path(settings["INSTANCE_PATH"]) / "keys" / "sm2-signing.json"
    )
    if path not in _signers:
        if configured and not path.exists():
            raise RuntimeError(f"SIGNING_KEY_PATH {configured} does not exist")
        _signers[path] = (
            signing.SoftwareSM2Signer.from_file(path)
            if configured
            else signing.SoftwareSM2Signer.load_or_create(path)
        )
    return _signers[path]


@dataclass(frozen=True)
class ConfirmationSettings:
    """What the Art. 15 gate takes from configuration *(local)*: the number pattern, the
    time zone of numbers and deadlines, the Art. 16 materials, and the signer."""

    number_pattern: str
    timezone: str
    acceptance_materials: dict[str, str]
    signer: signing.SoftwareSM2Signer

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ConfirmationSettings:
        return cls(
            number_pattern=config["CONFIRMATION_NUMBER_PATTERN"],
            timezone=config["LOCAL_TIMEZONE"],
            acceptance_materials=dict(config["ACCEPTANCE_MATERIALS"]),
            signer=signer_for(config),
        )


def apply_for_confirmation(
    session: Session, actor: Actor, project_id: int, *, today: date | None = None
) -> Confirmation:
    """The project's department applies; every check is evaluated and stored as evaluated.
    ``today``: the county's date, against which share-request deadlines are judged."""
    project = get_record(session, Project, project_id, label="项目")
    require_department_editor(actor, project.lead_department_id)
    if project.stage not in APPLY_STAGES:
        raise Conflict(
            f"项目处于“{project.stage}”阶段；建设完成后（construction 阶段）方可申请确认意见",
            code="not_ready_to_apply",
        )
    cov = load_coverage(session, project)
    state, digest = catalog_state(cov)
    conf = Confirmation(
        project_id=project.id,
        status="applied",
        applicant_id=actor.user_id,
        applicant_name=actor.name,
        checks=as_dicts(evaluate(session, cov, today=today)),
        catalog_state=state,
        catalog_digest=digest,
    )
    session.add(conf)
    session.flush()
    audit.record(
        session, actor, "confirmation.apply", "confirmation", conf.id, after=snapshot(conf)
    )
    return conf


def failing(conf: Confirmation) -> list[str]:
    return [c["name"] for c in conf.checks if c["status"] == "fail"]


def issue_confirmation(
    session: Session,
    actor: Actor,
    confirmation_id: int,
    *,
    opinion: str | None,
    override_reason: str | None,
    expected_version: int | None,
    settings: ConfirmationSettings,
) -> Confirmation:
    require_role(actor, REVIEWER)
    conf = get_record(session, Confirmation, confirmation_id, label="确认意见")
    check_version(conf, expected_version)
    if conf.status != "applied":
        raise Conflict(f"确认意见当前状态为“{conf.status}”，不能签发", code="invalid_transition")
    failed = failing(conf)
    if failed and not (override_reason or "").strip():
        raise Conflict(
            "有未通过的检查项，签发须记录理由（override_reason）",
            code="checks_failed",
            errors={"checks": failed},
        )
    project = session.get(Project, conf.project_id)
    _, digest_now = catalog_state(load_coverage(session, project))
    if digest_now != conf.catalog_digest:
        raise Conflict("申请后资源目录已变化，请重新申请", code="catalog_changed")

    # The year of the number is the local year: a document issued at 07:00 on 1 January
    # in Beijing belongs to the new year, though UTC still says the old one.
    now = local_now(settings.timezone)
    seq = next_counter(session, ConfirmationSequence, "year", now.year)
    signer = settings.signer
    _register_key(session, actor, signer)
    previous = session.scalars(
        select(Confirmation).where(
            Confirmation.project_id == project.id, Confirmation.status == "issued"
        )
    ).all()
    conf.number = settings.number_pattern.format(year=now.year, seq=seq)
    conf.year, conf.sequence = now.year, seq
    conf.document = {
        "type": "数据共享完成确认意见",
        "number": conf.number,
        "project": {
            "id": project.id,
            "code": project.code,
            "name": project.name,
            "lead_department": project.lead_department.name,
            "investment": str(project.investment),
        },
        "checks": [
            {"name": c["name"], "title": c["title"], "status": c["status"]} for c in conf.checks
        ],
        "catalog_digest": conf.catalog_digest,
        "catalog_items": len(conf.catalog_state),
        "opinion": opinion or "",
        "override_reason": override_reason,
        "supersedes": [p.number for p in previous],
        "issuer": {"id": actor.user_id, "name": actor.name},
        "issued_at": now.isoformat(timespec="seconds"),
        "key_id": signer.key_id,
        "algorithm": "SM2-with-SM3",
    }
    canonical = canonical_json(conf.document)
    conf.canonical = canonical.decode("utf-8")
    conf.digest = sm3_hex(canonical)
    conf.signature = signer.sign(canonical)
    conf.key_id = signer.key_id
    conf.status, conf.opinion, conf.override_reason = "issued", opinion, override_reason
    conf.reviewer_id, conf.decided_at = actor.user_id, now
    session.flush()
    for p in previous:  # a new confirmation for the same project supersedes the old one
        p.status, p.superseded_by_id = "superseded", conf.id
    session.flush()
    audit.record(
        session,
        actor,
        "confirmation.issue",
        "confirmation",
        conf.id,
        after={
            "number": conf.number,
            "digest": conf.digest,
            "override_reason": override_reason,
            "superseded": [p.number for p in previous],
        },
        cause=override_reason,
    )
    return conf


def _register_key(session: Session, actor: Actor, signer: signing.SoftwareSM2Signer) -> None:
    """The first confirmation a key signs publishes its public key (verifiers read it)."""
    if session.get(SigningKey, signer.key_id) is None:
        session.add(SigningKey(key_id=signer.key_id, public_key=signer.public_key))
        session.flush()
        audit.record(
            session,
            actor,
            "signing_key.register",
            "signing_key",
            signer.key_id,
            after={"key_id": signer.key_id, "public_key": signer.public_key},
        )


# action → (from, to, what the text is called in the message)
_DECISIONS = {
    "reject": ("applied", "rejected", "退回意见"),
    "revoke": ("issued", "revoked", "撤销原因"),
}


def close_confirmation(
    session: Session,
    actor: Actor,
    confirmation_id: int,
    *,
    action: str,
    reason: str | None,
    expected_version: int | None,
) -> Confirmation:
    """reject (an application) or revoke (an issued confirmation), always with a reason."""
    source, target, label = _DECISIONS[action]
    require_role(actor, REVIEWER)
    conf = get_record(session, Confirmation, confirmation_id, label="确认意见")
    check_version(conf, expected_version)
    if conf.status != source:
        raise Conflict(
            f"确认意见当前状态为“{conf.status}”，不能{'退回' if action == 'reject' else '撤销'}",
            code="invalid_transition",
        )
    if not (reason or "").strip():
        raise Invalid(errors={"reason": [f"须写明{label}"]})
    conf.status = target
    if action == "reject":
        conf.opinion, conf.reviewer_id, conf.decided_at = reason, actor.user_id, utcnow()
    else:
        conf.revoked_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        f"confirmation.{action}",
        "confirmation",
        conf.id,
        after=snapshot(conf),
        cause=reason,
    )
    return conf


def get_confirmation(session: Session, actor: Actor, confirmation_id: int) -> Confirmation:
    require_login(actor)
    conf = get_record(session, Confirmation, confirmation_id, label="确认意见")
    project = session.get(Project, conf.project_id)
    if not may_read_confirmation(
        actor,
        lead_department_id=project.lead_department_id,
        co_department_ids=project.co_department_ids,
    ):
        raise Forbidden("只能查看本部门项目的确认意见")
    return conf


@dataclass
class Verification:
    number: str
    result: str  # valid | revoked | superseded | catalog_changed | invalid_signature
    signature_valid: bool
    status: str
    project: dict
    issued_at: str | None
    key_id: str | None
    changed: list[dict] = field(default_factory=list)
    message: str = ""
    overridden: list[str] = field(default_factory=list)  # checks that failed, issued with a reason


MESSAGES = {
    "valid": "有效：签名正确，所覆盖的资源目录与签发时一致",
    "revoked": "已撤销",
    "superseded": "已被新的确认意见取代",
    "catalog_changed": "签名正确，但签发后资源目录已变化",
    "invalid_signature": "签名无效：文件可能被篡改",
}


def get_issued_confirmation(session: Session, actor: Actor, confirmation_id: int) -> Confirmation:
    """An issued confirmation the actor may read (its document, print and PDF exist)."""
    conf = get_confirmation(session, actor, confirmation_id)
    if conf.number is None:
        raise Conflict("该确认意见尚未签发", code="not_issued")
    return conf


def confirmation_status(session: Session, conf: Confirmation) -> tuple[str, bool, list[dict]]:
    """Is this issued confirmation still good? (result, signature valid, every change with
    its code). The acceptance gate asks this directly; the public page redacts it."""
    key = session.get(SigningKey, conf.key_id)
    canonical = conf.canonical.encode("utf-8")
    valid_sig = bool(
        key is not None
        and signing.verify(key.public_key, canonical, conf.signature)
        and json.loads(canonical) == conf.document
        and sm3_hex(canonical) == conf.digest
    )
    if not valid_sig:
        return "invalid_signature", False, []
    if conf.status in ("revoked", "superseded"):
        return conf.status, True, []
    project = session.get(Project, conf.project_id)
    state, digest = catalog_state(load_coverage(session, project))
    if digest == conf.catalog_digest:
        return "valid", True, []
    return "catalog_changed", True, _changes(conf.catalog_state, state)


def watch_confirmations(session: Session, actor: Actor) -> list[Confirmation]:
    """Issued confirmations whose covered catalog changed since: the 大数据中心 and the
    project's lead department are told, once per catalog state (the job of the same
    name). Returns those flagged now."""
    require_role(actor, REVIEWER)
    flagged = []
    for conf in session.scalars(
        select(Confirmation).where(Confirmation.status == "issued").order_by(Confirmation.id)
    ):
        result, _valid, changes = confirmation_status(session, conf)
        if result not in ("catalog_changed", "invalid_signature"):
            continue
        project = session.get(Project, conf.project_id)
        if result == "catalog_changed":
            _state, digest = catalog_state(load_coverage(session, project))
            title = f"确认意见 {conf.number} 所涉目录已变更（状态 {digest[:8]}）"
            body = (
                f"项目“{project.name}”的数据共享完成确认意见签发后，所涉资源目录有 "
                f"{len(changes)} 处变化，需复核后重新确认。"
            )
        else:
            title = f"确认意见 {conf.number} 签名无效"
            body = "确认意见的签名或内容校验未通过，可能已被篡改，请立即核查。"
        kind = f"confirmation.{result}"
        if already_told(session, kind, "confirmation", conf.id, title):
            continue
        for department_id, role in ((project.lead_department_id, None), (None, REVIEWER)):
            notify(
                session,
                kind=kind,
                subject_type="confirmation",
                subject_id=conf.id,
                title=title,
                body=body,
                department_id=department_id,
                role=role,
            )
        audit.record(
            session,
            actor,
            f"confirmation.watch.{result}",
            "confirmation",
            conf.id,
            after={"changes": len(changes)},
        )
        flagged.append(conf)
    return flagged


def verify_number(
    session: Session, number: str, *, timezone: str = "Asia/Shanghai"
) -> Verification:
    """Public verification by number: nothing in it names a non-public resource."""
    conf = session.scalar(select(Confirmation).where(Confirmation.number == number))
    if conf is None or conf.canonical is None:
        raise NotFound(f"确认意见“{number}”不存在", code="confirmation_not_found")
    result, valid_sig, changed = confirmation_status(session, conf)
    overridden = [c["title"] for c in conf.document.get("checks", []) if c["status"] == "fail"]
    return Verification(
        number,
        result,
        valid_sig,
        conf.status,
        conf.document["project"],
        _local(conf.document.get("issued_at"), timezone),
        conf.key_id,
        _public_changes(session, changed),
        MESSAGES[result],
        overridden,
    )


def _local(iso: str | None, timezone: str) -> str | None:
    """An ISO timestamp as the deployment's local time, for people to read."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S") + f"（{timezone}）"


def _public_changes(session: Session, changed: list[dict]) -> list[dict]:
    """What the public verification may say about each change: a resource open to the
    public by its code; anything else (drafts, 不予开放 entries, their interfaces) only
    as a change of its kind, never by code or name."""
    public_ids = (
        set(
            session.scalars(
                select(Resource.id).where(
                    Resource.id.in_([c["id"] for c in changed if c["type"] == "resource"]),
                    Resource.status == "published",
                    Resource.open_type != OPEN_NONE,
                )
            )
        )
        if changed
        else set()
    )
    return [
        {
            "type": c["type"],
            "change": c["change"],
            "code": c["code"] if c["type"] == "resource" and c["id"] in public_ids else None,
        }
        for c in changed
    ]


def _changes(old: list[dict], new: list[dict]) -> list[dict]:
    before = {(e["type"], e["id"]): e for e in old}
    after = {(e["type"], e["id"]): e for e in new}
    out = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a and not b:
            out.append({**a, "change": "removed"})
        elif b and not a:
            out.append({**b, "change": "added"})
        elif a["digest"] != b["digest"]:
            out.append({**b, "change": "modified", "version_at_issue": a["version"]})
    return out


def signed_file(conf: Confirmation, public_key: str) -> dict:
    """What a downloaded confirmation contains: the exact signed text and how to check it."""
    return {
        "document": conf.document,
        "canonical": conf.canonical,
        "digest": conf.digest,
        "signature": conf.signature,
        "key_id": conf.key_id,
        "public_key": public_key,
        "algorithm": "SM2-with-SM3",
        "id": "1234567812345678",
    }


def verify_file(data: dict, public_key: str | None = None) -> tuple[bool, str]:
    """Offline check of a downloaded confirmation. ``public_key``: the trusted key (else the
    file's own, which proves integrity but not origin)."""
    key = public_key or data.get("public_key")
    try:
        canonical = canonical_json(data["document"])
    except (KeyError, TypeError):
        return False, "文件格式不正确"
    if data.get("canonical") is not None and data["canonical"].encode("utf-8") != canonical:
        return False, "文件内容与签名文本不一致"
    try:
        if signing.key_id_for(key) != data.get("key_id"):
            return False, "公钥与文件中的密钥标识不符"
    except (ValueError, TypeError):
        return False, "公钥格式不正确"
    if not signing.verify(key, canonical, data.get("signature") or ""):
        return False, "签名无效：文件可能被篡改"
    return True, "签名有效"


# -- the acceptance gate (Art. 15, 16) ----------------------------------------------------


def check_acceptance_gate(
    session: Session, project: Project, settings: ConfirmationSettings
) -> dict[str, Any]:
    """Raise with the rule and what is missing, or return the evidence the move rests on."""
    conf = session.scalar(
        select(Confirmation)
        .where(Confirmation.project_id == project.id, Confirmation.status == "issued")
        .order_by(Confirmation.id.desc())
    )
    if conf is None:  # Art. 15: no confirmation, no acceptance
        raise Conflict(
            "第十五条：未取得大数据中心出具的数据共享完成确认意见，不得申请验收",
            code="art15_no_confirmation",
        )
    result, _, changed = confirmation_status(session, conf)
    if result != "valid":
        raise Conflict(
            f"第十五条：确认意见 {conf.number} 当前不可用（{MESSAGES[result]}）",
            code="art15_confirmation_invalid",
            errors={"changed": [f"{c['type']} {c['code']}：{c['change']}" for c in changed]},
        )
    required = settings.acceptance_materials
    materials = project.acceptance_materials or {}
    missing = [
        title for key, title in required.items() if not (materials.get(key) or {}).get("present")
    ]
    if missing:
        raise Conflict(
            "第十六条：验收申请材料不全",
            code="art16_materials_missing",
            errors={"acceptance_materials": missing},
        )
    due = project.planned_acceptance_date
    if due is not None and local_now(settings.timezone).date() > due:
        raise Conflict(
            f"第十六条：已超过计划验收日期 {due.isoformat()}，须先提出延期验收申请",
            code="art16_extension_required",
        )
    return {
        "confirmation": conf.number,
        "confirmation_digest": conf.digest,
        "materials": sorted(required),
    }
