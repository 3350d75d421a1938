from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..runtime import freeze_startup_objects


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--threads", default=8, show_default=True)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the registry with waitress (production: gunicorn wsgi:app)."""
    from waitress import serve

    app = current_app._get_current_object()
    freeze_startup_objects()
    click.echo(f"服务已启动：http://{host}:{port}/")
    serve(app, host=host, port=port, threads=threads, ident="")  # no Server header
