"""One Alembic tree upgrades empty SQLite and PostgreSQL databases to match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from registry import models  # noqa: F401
from registry.db import Base
from registry.models.search import modelled

from .conftest import fresh_database


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": modelled}
        )
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def test_upgrade_from_empty(backend, request, tmp_path):
    url = fresh_database(backend, tmp_path, request)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_free_text_functions_become_codes(tmp_path):
    """0023: "公安局" typed where the code is 公安 becomes 公安; a code, and anything the
    code list cannot place (maybe a configured function), stay as they were."""
    from alembic import command
    from sqlalchemy import text

    from registry.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'functions.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0022")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, function in enumerate(["公安局", "县市场监督管理局", "人社", "医保", None]):
            conn.execute(
                text(
                    "INSERT INTO departments (id, code, name, kind, function, version,"
                    " created_at, updated_at) VALUES (:id, :code, :name, '政府', :f, 1,"
                    " '2026-01-01', '2026-01-01')"
                ),
                {"id": n + 1, "code": f"D{n}", "name": f"部门{n}", "f": function},
            )
    command.upgrade(config, "0023")
    with engine.connect() as conn:
        got = [r[0] for r in conn.execute(text("SELECT function FROM departments ORDER BY id"))]
    engine.dispose()
    assert got == ["公安", "市场监管", "人社", "医保", None]
