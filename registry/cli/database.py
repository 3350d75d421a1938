from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..migrate import upgrade


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url, revision=revision)
    click.echo(f"数据库已升级到 {revision}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Copy the catalog database to TARGET (SQLite online backup, or pg_dump)."""
    from ..backup import backup

    backup(current_app.config["DATABASE_URL"], target, pg_bin_dir=current_app.config["PG_BIN_DIR"])
    click.echo(f"已备份到 {target}（{target.stat().st_size} 字节）")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask (the database's content is replaced).")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the catalog database with SOURCE, then verify the audit chain and bring
    the search index in line. Stop the web server and the scheduler first."""
    from .. import search
    from ..backup import restore, verify_restored
    from ..db import db

    if not yes:
        click.confirm("恢复将替换当前数据库的全部内容，是否继续？", abort=True)
    db.session.close()
    db.engine.dispose()  # no connection of this process keeps the old database open
    restore(current_app.config["DATABASE_URL"], source, pg_bin_dir=current_app.config["PG_BIN_DIR"])
    report = verify_restored(db.session, search.backend())
    chain = "完整" if report.audit_ok else f"断裂：{report.audit_detail}"
    click.echo(
        f"已恢复 {source}；审计链{chain}（{report.audit_checked} 条），"
        f"检索索引修复 {report.index_repaired} 个文档"
    )
    if not report.audit_ok:
        raise click.exceptions.Exit(1)
