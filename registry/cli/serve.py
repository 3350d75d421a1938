from __future__ import annotations

import os
import sys
import tempfile

import click
from flask import current_app
from flask.cli import with_appcontext

from ..runtime import freeze_startup_objects


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--threads", default=8, show_default=True, help="Threads per process.")
@click.option(
    "--workers",
    default=0,
    show_default=True,
    help="Processes under gunicorn (Linux); 0: one waitress process, the embedded default.",
)
@with_appcontext
def serve_command(host: str, port: int, threads: int, workers: int) -> None:
    """Serve the registry: waitress in this process, or gunicorn with N workers."""
    if workers:
        _exec_gunicorn(host, port, threads, workers)
    from waitress import serve

    app = current_app._get_current_object()
    freeze_startup_objects()
    click.echo(f"服务已启动：http://{host}:{port}/")
    serve(app, host=host, port=port, threads=threads, ident="")  # no Server header


def _exec_gunicorn(host: str, port: int, threads: int, workers: int) -> None:
    """Replace this process with gunicorn. The metrics directory must be in the
    environment before prometheus_client is first imported, so it is set for the new
    process rather than this one (which already loaded the app)."""
    env = dict(os.environ)
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="registry-metrics-")
    for key in ("INSTANCE_PATH", "DATABASE_URL"):  # what this command was given
        env.setdefault(f"REGISTRY_{key}", str(current_app.config[key]))
    click.echo(f"服务已启动（gunicorn，{workers} 个进程）：http://{host}:{port}/", err=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:registry.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "registry.wsgi:app",
    ]
    os.execve(sys.executable, argv, env)
