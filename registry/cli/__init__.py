"""The `registry` command: db, user, token, demo, audit and serve."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from .. import create_app
from .admin import audit_group, token_group, user_group
from .database import db_group
from .demo import demo_group
from .serve import serve_command


def register_commands(app: Flask) -> None:
    for command in (db_group, user_group, token_group, demo_group, audit_group, serve_command):
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False,
             add_version_option=False, set_debug_flag=False, load_dotenv=False)
def cli() -> None:
    """政务信息资源目录与数据共享登记系统 — management commands."""
