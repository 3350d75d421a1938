"""`registry search drain | check | rebuild | query`."""

from __future__ import annotations

import json
import sys
import time

import click
from flask.cli import with_appcontext

from .. import search
from ..authz import Actor
from ..db import db, write_intent
from ..search import maintenance, outbox
from ..search.base import SearchUnavailable
from ..search.documents import count_resources
from ..services.search import search_resources


@click.group("search")
def search_group() -> None:
    """The search index: drain the outbox, check, rebuild."""


@search_group.command("drain")
@click.option("--batch", default=2000, show_default=True, help="Outbox entries per transaction.")
@click.option(
    "--follow", is_flag=True, help="Keep running: the worker process beside the web workers."
)
@click.option(
    "--interval", default=2.0, show_default=True, help="Seconds between polls with --follow."
)
@with_appcontext
def drain_command(batch: int, follow: bool, interval: float) -> None:
    """Index every change waiting in the outbox (safe to run any time, in any number)."""
    backend = search.backend()
    while True:
        try:
            done = outbox.drain_all(db.session, backend, batch=batch)
        except SearchUnavailable as exc:
            if not follow:
                raise
            click.echo(f"{exc.message}：{'; '.join(exc.errors.get('detail', []))}", err=True)
            done = 0
        if not follow:
            click.echo(f"已更新 {done} 个检索文档")
            return
        if done:
            click.echo(f"已更新 {done} 个检索文档", err=True)
        time.sleep(interval)


@search_group.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Rebuild the whole index from the catalog; searches are answered throughout."""
    rebuild_index(progress_label="重建检索索引")


def rebuild_index(progress_label: str) -> int:
    backend = search.backend()
    with write_intent():
        maintenance.begin_rebuild(db.session)
        db.session.commit()
        total = count_resources(db.session)
        with click.progressbar(length=total, label=progress_label, file=sys.stderr) as bar:
            count = maintenance.rebuild(db.session, backend, progress=bar.update)
        db.session.commit()
    backend.settle()
    click.echo(f"已重建检索索引：{count} 个文档（{backend.name}）")
    return count


@search_group.command("check")
@click.option(
    "--repair", is_flag=True, help="Re-index what is missing or stale, drop orphaned documents."
)
@with_appcontext
def check_command(repair: bool) -> None:
    """Report documents missing from the index, stale in it, or left over in it."""
    backend = search.backend()
    session = db.session
    with click.progressbar(
        length=count_resources(session), label="核对检索索引", file=sys.stderr
    ) as bar:
        report = maintenance.check(session, backend, progress=bar.update)
    click.echo(
        f"目录资源 {report.expected} 个，索引文档 {report.indexed} 个；"
        f"缺失 {len(report.missing)}，过期 {len(report.stale)}，多余 {len(report.orphaned)}"
    )
    for label, ids in (("缺失", report.missing), ("过期", report.stale), ("多余", report.orphaned)):
        if ids:
            click.echo(f"{label}：{', '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''}")
    if report.ok:
        return
    if repair:
        with write_intent():
            n = maintenance.repair(session, backend, report)
            session.commit()
        click.echo(f"已修复 {n} 个检索文档")
        return
    raise click.exceptions.Exit(1)


@search_group.command("query")
@click.argument("q")
@click.option("--limit", default=10, show_default=True)
@with_appcontext
def query_command(q: str, limit: int) -> None:
    """Search as a reviewer would (every status), printing the JSON response."""
    result = search_resources(db.session, search.backend(), Actor.system("cli"), q=q, limit=limit)
    click.echo(json.dumps(result, ensure_ascii=False, indent=1))
