from __future__ import annotations

import json
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import db, write_intent
from .search import rebuild_index


@click.group("demo")
def demo_group() -> None:
    """The fictional demo data set."""


def demo_passwords(session) -> dict[str, str]:
    """A random sign-in password for each demo user, so a demo can be tried in the browser
    at once; generated, never a password written in the repository."""
    from ..authz import Actor
    from ..models import User
    from ..services.signin import set_password

    accounts = {}
    for user in session.query(User).filter(User.name.like("demo-%"), User.password_hash.is_(None)):
        # Three kinds of character whatever the random part holds.
        accounts[user.name] = password = "Demo-" + secrets.token_urlsafe(9) + "7a"
        set_password(session, Actor.system("demo"), user_id=user.id, password=password)
    return accounts


@demo_group.command("load")
@click.option(
    "--scale", type=click.Choice(["county", "province"]), default="county", show_default=True
)
@click.option("--if-empty", is_flag=True, help="Do nothing when departments already exist.")
@click.option(
    "--answers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the planted cases (default: instance/demo-answers-SCALE.json).",
)
@with_appcontext
def demo_load(scale: str, if_empty: bool, answers: Path | None) -> None:
    """Load a deterministic fictional county (or a province of 100 counties)."""
    from ..demo import load_demo

    with write_intent():
        session = db.session
        result = load_demo(
            session, scale=scale, if_empty=if_empty, progress=lambda msg: click.echo(msg, err=True)
        )
        accounts = demo_passwords(session) if result is not None else {}
        if result is not None:
            from ..demo.sharing import load_sharing_history
            from ..services.sharing import SharingSettings

            history = load_sharing_history(
                session,
                SharingSettings.from_config(current_app.config),
                requests=30 if scale == "county" else 300,
            )
            click.echo(f"演示共享记录：{history}", err=True)
        session.commit()  # the index is rebuilt below, so no drain here
    if result is None:
        click.echo("数据库非空，跳过演示数据加载")
        return
    accounts_path = Path(current_app.instance_path) / "demo-accounts.txt"
    accounts_path.write_text(
        "".join(f"{name}\t{password}\n" for name, password in accounts.items()), "utf-8"
    )
    accounts_path.chmod(0o600)
    click.echo(f"演示账户的登录密码（每次加载随机生成）：{accounts_path}")
    rebuild_index(progress_label="建立检索索引")
    path = answers or Path(current_app.instance_path) / f"demo-answers-{scale}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.answers, ensure_ascii=False, indent=1), "utf-8")
    click.echo(f"已加载演示数据：{result.counts}；预置问题清单：{path}")
