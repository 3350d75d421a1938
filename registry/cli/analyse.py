"""`registry analyse`, `registry elements sync`, `registry graph export`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import unit_of_work
from ..authz import Actor
from ..db import db, write_intent
from ..graph.build import build_graph, resolve_scope
from ..graph.explore import to_graphml, to_json
from ..services.analyses import ANALYSES, AnalysisSettings, run_analyses
from ..services.elements import sync_dictionary

CLI_ACTOR = Actor.system("cli")


def _scope(text: str) -> tuple[str, str | None]:
    kind, _, value = text.partition(":")
    return kind, value or None


@click.command("analyse")
@click.option(
    "--scope",
    "scope_text",
    default="all",
    show_default=True,
    help="all | region:县名 | department:部门代码 | projects:编码,编码",
)
@click.option("--analyses", default=",".join(ANALYSES), show_default=True)
@click.option("--no-match", is_flag=True, help="Skip matching data items to data elements first.")
@with_appcontext
def analyse_command(scope_text: str, analyses: str, no_match: bool) -> None:
    """Run the data-flow graph analyses and record their findings."""
    kind, value = _scope(scope_text)
    with write_intent():
        run = run_analyses(
            db.session,
            CLI_ACTOR,
            scope_kind=kind,
            scope_value=value,
            analyses=[a for a in analyses.split(",") if a],
            settings=AnalysisSettings.from_config(current_app.config),
            match=not no_match,
            progress=lambda m: click.echo(m, err=True),
        )
        unit_of_work.commit()
    click.echo(json.dumps({"run": run.id, **run.summary}, ensure_ascii=False, indent=1))


@click.group("elements")
def elements_group() -> None:
    """The data-element dictionary."""


@elements_group.command("sync")
@with_appcontext
def elements_sync() -> None:
    """Load the shipped dictionary (catalog_schemas.elements) into the database."""
    with write_intent():
        counts = sync_dictionary(db.session, CLI_ACTOR)
        unit_of_work.commit()
    click.echo(
        f"数据元字典已同步：新增 {counts['created']}，更新 {counts['updated']}，"
        f"未变 {counts['unchanged']}"
    )


@click.group("graph")
def graph_group() -> None:
    """The data-flow graph."""


@graph_group.command("export")
@click.option("--scope", "scope_text", default="all", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["graphml", "json"]), default="graphml", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def graph_export(scope_text: str, fmt: str, output: Path) -> None:
    """Export the graph of a scope as GraphML or JSON."""
    kind, value = _scope(scope_text)
    g = build_graph(db.session, resolve_scope(db.session, kind, value))
    text = (
        to_graphml(g)
        if fmt == "graphml"
        else json.dumps(to_json(g), ensure_ascii=False, default=str)
    )
    output.write_text(text, "utf-8")
    click.echo(f"已导出 {g.number_of_nodes()} 个节点、{g.number_of_edges()} 条边到 {output}")
