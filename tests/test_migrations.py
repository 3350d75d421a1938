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
