"""The `registry` command: db, user, token, demo, audit and serve."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from .. import create_app
from ..errors import RegistryError
from .admin import audit_group, mail_group, sharing_group, token_group, user_group
from .analyse import analyse_command, elements_group, graph_group
from .catalog_io import export_command, import_command, template_command
from .confirm import confirm_group
from .database import backup_command, db_group, restore_command
from .demo import demo_group
from .jobs import jobs_group, scheduler_command
from .search import search_group
from .serve import serve_command


class _DomainErrors:
    """Domain errors end a command with their Chinese message and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RegistryError as exc:
            detail = "；".join(f"{k}: {'、'.join(map(str, v))}" for k, v in exc.errors.items())
            raise click.ClickException(
                f"{exc.message}（{exc.code}）{'：' + detail if detail else ''}"
            ) from exc


class RegistryAppGroup(_DomainErrors, AppGroup):
    pass


class RegistryGroup(_DomainErrors, FlaskGroup):
    pass


def register_commands(app: Flask) -> None:
    app.cli = RegistryAppGroup(app.name)  # so `app.cli` (tests, flask) reports domain errors too
    for command in (
        db_group,
        backup_command,
        restore_command,
        user_group,
        token_group,
        demo_group,
        audit_group,
        mail_group,
        sharing_group,
        serve_command,
        scheduler_command,
        jobs_group,
        analyse_command,
        elements_group,
        graph_group,
        confirm_group,
        import_command,
        export_command,
        template_command,
        search_group,
    ):
        app.cli.add_command(command)


@click.group(
    cls=RegistryGroup,
    create_app=lambda: create_app(),
    add_default_commands=False,
    add_version_option=False,
    set_debug_flag=False,
    load_dotenv=False,
)
def cli() -> None:
    """政务信息资源目录与数据共享登记系统 — management commands."""
