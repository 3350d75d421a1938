"""Users, tokens and the audit chain."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .. import audit, unit_of_work
from ..authz import Actor
from ..db import db, write_intent
from ..errors import Invalid
from ..models import ROLES
from ..services import departments, signin, users

CLI_ACTOR = Actor.system("cli")


@click.group("user")
def user_group() -> None:
    """Users and roles."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--department", "department_code", help="部门代码（部门编辑必填）")
@click.option("--display-name")
@with_appcontext
def user_add(name: str, role: str, department_code: str | None, display_name: str | None) -> None:
    """Create a user."""
    with write_intent():
        session = db.session
        dept_id = (
            departments.department_by_code(session, department_code).id if department_code else None
        )
        users.create_user(
            session,
            CLI_ACTOR,
            data={
                "name": name,
                "role": role,
                "department_id": dept_id,
                "display_name": display_name,
            },
        )
        unit_of_work.commit()
    click.echo(f"已创建用户 {name}（{role}）")


@user_group.command("password")
@click.argument("name")
@with_appcontext
def user_password(name: str) -> None:
    """Set a user's web sign-in password, read from standard input (never from argv,
    where other users of the machine and the shell history would see it)."""
    if sys.stdin.isatty():
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with write_intent():
        session = db.session
        user = users.user_by_name(session, name)
        try:
            signin.set_password(session, CLI_ACTOR, user_id=user.id, password=password)
        except Invalid as exc:
            raise click.ClickException(
                "；".join(exc.errors.get("password", [exc.message]))
            ) from None
        unit_of_work.commit()
    click.echo(f"已设置用户 {name} 的登录密码")


@click.group("token")
def token_group() -> None:
    """API tokens."""


@token_group.command("issue")
@click.argument("name")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    help="Valid for N days (default: until revoked).",
)
@with_appcontext
def token_issue(name: str, expires_in_days: int | None) -> None:
    """Issue an API token for a user; it is printed once and stored only hashed."""
    with write_intent():
        session = db.session
        token = users.issue_token(
            session,
            CLI_ACTOR,
            user_id=users.user_by_name(session, name).id,
            expires_in_days=expires_in_days,
        )
        unit_of_work.commit()
    click.echo(token)


@token_group.command("list")
@click.argument("name")
@with_appcontext
def token_list(name: str) -> None:
    """A user's tokens: id, prefix, issued, expires, revoked."""
    rows = users.list_tokens(db.session, CLI_ACTOR, user_id=users.user_by_name(db.session, name).id)
    for t in rows:
        state = "已撤销" if t.revoked_at else "有效"
        click.echo(
            f"{t.id}\t{t.prefix}…\t{t.created_at:%Y-%m-%d %H:%M}\t"
            f"{t.expires_at.strftime('%Y-%m-%d') if t.expires_at else '长期'}\t{state}"
        )


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int) -> None:
    """Revoke one token by its id (see `registry token list`)."""
    with write_intent():
        users.revoke_token(db.session, CLI_ACTOR, token_id=token_id)
        unit_of_work.commit()
    click.echo(f"令牌 {token_id} 已撤销")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the SM3 chain; report the first broken link."""
    report = audit.verify_chain(db.session)
    if report.ok:
        click.echo(f"审计链完整：已校验 {report.checked} 条记录")
        return
    click.echo(
        f"审计链断裂：第一处在记录 ID {report.broken_at}（{report.reason}）；"
        f"此前 {report.checked} 条记录完好",
        err=True,
    )
    sys.exit(1)


@click.group("mail")
def mail_group() -> None:
    """The mail outbox of the inbox's messages."""


@mail_group.command("deliver")
@click.option("--limit", type=click.IntRange(1, 10_000), default=500, show_default=True)
@with_appcontext
def mail_deliver(limit: int) -> None:
    """Send the mails that are due (MAIL_SERVER); failures stay queued for a retry."""
    from flask import current_app

    from ..jobs.tasks import mail_deliver as deliver

    result = deliver(current_app._get_current_object(), limit=limit)
    if result.get("disabled"):
        click.echo("未配置 MAIL_SERVER，邮件留在发件箱中")
    else:
        click.echo(f"已发送 {result['sent']} 封，失败 {result['failed']} 封（稍后重试）")


@click.group("sharing")
def sharing_group() -> None:
    """Share requests and grants."""


@sharing_group.command("scan")
@with_appcontext
def sharing_scan() -> None:
    """Escalate requests past their deadline to the 大数据中心, end expired grants, remind
    providers two working days before a deadline and consumers of a missing usage report
    (the scheduler's sharing_scan job; safe to run again: nobody is told twice)."""
    from flask import current_app

    from ..jobs.tasks import sharing_scan as scan

    result = scan(current_app._get_current_object(), Actor.system("sharing-scan"))
    click.echo(
        f"逾期申请提交协调 {result['escalated']} 件，到期授权终止 {result['expired']} 项，"
        f"临期提醒 {result['due_soon']} 条，使用情况反馈催报 {result['usage_reports']} 条"
    )
