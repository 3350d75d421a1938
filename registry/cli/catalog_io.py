"""`registry import`, `registry export`, `registry template`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from importers.writers import write_csv, write_json, write_xlsx

from .. import unit_of_work
from ..authz import Actor
from ..db import db, write_intent
from ..services.dcat import Dcat
from ..services.exports import export_records
from ..services.imports import ReadLimits, import_file
from ..services.users import actor_for_user, user_by_name


def _actor(name: str | None) -> Actor:
    return actor_for_user(user_by_name(db.session, name)) if name else Actor.system("cli")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", "department_code", help="默认提供方（行内未写提供方时）")
@click.option("--dry-run", is_flag=True, help="Show the plan and change nothing.")
@click.option("--as", "as_user", help="Act as this user (a dept_editor imports only its own rows).")
@click.option(
    "--batch-size", type=int, help="Very large files: commit every N resources (re-run to resume)."
)
@with_appcontext
def import_command(
    file: Path,
    department_code: str | None,
    dry_run: bool,
    as_user: str | None,
    batch_size: int | None,
) -> None:
    """Import a catalog file (.xlsx/.xls/.et/.csv/.json): plan, then apply atomically."""
    with write_intent():

        def report(done: int, _total: int) -> None:
            click.echo(f"已导入 {done} 条信息资源", err=True)

        run, _ = import_file(
            db.session,
            _actor(as_user),
            path=file,
            filename=file.name,
            dry_run=dry_run,
            limits=ReadLimits.from_settings(current_app.config, stream_csv=True),
            default_department_code=department_code,
            batch_size=batch_size,
            commit=unit_of_work.commit,
            progress=report,
            reading=unit_of_work.read_phase,
        )
        unit_of_work.commit()  # a rejected import stays on the record, as through the API
    click.echo(
        json.dumps(
            {
                "import": run.id,
                "status": run.status,
                "counts": run.counts,
                "problems": run.problems[:50],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    sys.exit(1 if run.status == "rejected" else 0)


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "json", "ttl"]),
    default="xlsx",
    show_default=True,
    help="ttl: the published catalog as DCAT-AP Turtle, streamed (the filters do not apply)",
)
@click.option("--department-id", type=int)
@click.option("--classification")
@click.option("--status")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(
    fmt: str,
    department_id: int | None,
    classification: str | None,
    status: str | None,
    output: Path,
) -> None:
    """Export the catalog (filtered) to the template's .xlsx, CSV or JSON, or the
    published catalog as DCAT-AP Turtle."""
    actor = Actor.system("cli")
    if fmt == "ttl":
        builder = Dcat(db.session, actor, current_app.config)
        with output.open("w", encoding="utf-8") as f:
            for chunk in builder.stream_turtle():
                f.write(chunk)
        click.echo(f"已导出 DCAT-AP 目录到 {output}")
        return
    counted = [0]

    def records():
        for record in export_records(
            db.session,
            actor,
            current_app.config,
            department_id=department_id,
            classification=classification,
            status=status,
        ):
            counted[0] += 1
            yield record

    write_export(records(), fmt, output)
    click.echo(f"已导出 {counted[0]} 条信息资源到 {output}")


def write_export(records: Iterable[dict], fmt: str, output: Path) -> None:
    if fmt == "xlsx":
        write_xlsx(records, str(output))
    else:
        with output.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as f:
            (write_csv if fmt == "csv" else write_json)(records, f)


@click.command("template")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("目录模板.xlsx")
)
def template_command(output: Path) -> None:
    """Write the catalog template (.xlsx) with drop-downs, hints and an example row."""
    write_xlsx([], str(output), template=True)
    click.echo(f"模板已写入 {output}")
