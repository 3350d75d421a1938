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


def test_duplicate_findings_merge_per_system_and_source(backend, request, tmp_path):
    """0024: a system's per-element duplicate findings with one source become one, keeping
    the status still most to do, every history entry, the plan and date; open
    unconsumed_resource findings are resolved with the reason."""
    from datetime import date

    from alembic import command
    from sqlalchemy import JSON, Date, column, insert, select, table, text

    from registry.migrate import alembic_config

    url = fresh_database(backend, tmp_path, request)
    config = alembic_config(url)
    command.downgrade(config, "0023")
    engine = create_engine(url)
    findings = table(
        "findings",
        *(column(c) for c in ("id", "kind", "fingerprint", "subject_type", "subject_id")),
        *(column(c) for c in ("title", "status", "status_reason", "version", "plan")),
        column("evidence", JSON),
        column("history", JSON),
        column("due_date", Date),
        column("created_at"),
        column("updated_at"),
    )
    stamp = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        for n, (identifier, name) in enumerate([("GMSFHM", "公民身份号码"), ("XM", "姓名")]):
            conn.execute(
                text(
                    "INSERT INTO data_elements (id, identifier, name, synonyms, data_type,"
                    " source_function, family, created_at, updated_at, version)"
                    " VALUES (:id, :i, :n, '[]', 'C', '公安', '人口', :t, :t, 1)"
                ),
                {"id": n + 1, "i": identifier, "n": name, "t": stamp},
            )

        def finding(n, kind, fingerprint, status, element=None, **extra):
            evidence = {"system": {"id": 5, "name": "社保系统"}}
            if element:
                evidence |= {"element": {"identifier": element}, "items": [{"name": element}]}
                evidence |= {"item_count": 1}
            conn.execute(
                insert(findings).values(
                    id=n,
                    kind=kind,
                    fingerprint=fingerprint,
                    subject_type="system",
                    subject_id=5,
                    title="旧标题",
                    status=status,
                    version=1,
                    evidence=evidence,
                    history=[{"at": f"2026-0{n}-01T00:00:00", "to": status}],
                    created_at=stamp,
                    updated_at=stamp,
                    **extra,
                )
            )

        finding(
            1,
            "duplicate_collection",
            "duplicate_collection:GMSFHM:5",
            "rectifying",
            "GMSFHM",
            plan="改为共享获取",
            due_date=date(2027, 3, 31),
        )
        finding(2, "duplicate_collection", "duplicate_collection:XM:5", "open", "XM")
        finding(3, "unconsumed_resource", "unconsumed_resource:9", "open")
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(findings).order_by(findings.c.id)).all()
    engine.dispose()
    assert [r.id for r in rows] == [1, 3]
    merged, unconsumed = rows
    assert merged.fingerprint == "duplicate_collection:5:function-公安"
    assert merged.status == "open" and merged.plan == "改为共享获取"
    assert merged.due_date == date(2027, 3, 31)
    assert [h["element"] for h in merged.history] == ["GMSFHM", "XM"]
    assert [e["identifier"] for e in merged.evidence["elements"]] == ["GMSFHM", "XM"]
    assert merged.title.startswith("社保系统 原始采集了")
    assert unconsumed.status == "resolved" and "使用方" in unconsumed.history[-1]["note"]


def test_facet_keys_of_existing_documents_are_those_writes_give(backend, request, tmp_path):
    """0032: each existing search document gets the key of its four few-valued facets
    that a write gives (``facet_key``); documents sharing the values share the key."""
    from alembic import command
    from sqlalchemy import text

    from registry.migrate import alembic_config
    from registry.models.search import facet_key

    url = fresh_database(backend, tmp_path, request)
    config = alembic_config(url)
    command.downgrade(config, "0031")
    values = [
        ("无条件共享", "1", "每日", "published"),
        ("有条件共享", "3", "每月", "draft"),
        ("无条件共享", "1", "每日", "published"),
    ]
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, (share_type, category, cycle, status) in enumerate(values, start=1):
            conn.execute(
                text(
                    "INSERT INTO search_documents (resource_id, code, name, provider_id,"
                    " status, open_to_public, share_type, update_cycle, category,"
                    " updated_at, fingerprint, length) VALUES (:id, :code, '资源', 1,"
                    " :status, true, :share, :cycle, :category, '2026-01-01', 'f', 3)"
                ),
                {
                    "id": n,
                    "code": f"C{n}",
                    "status": status,
                    "share": share_type,
                    "cycle": cycle,
                    "category": category,
                },
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        keys = [
            r[0]
            for r in conn.execute(
                text("SELECT facet_key FROM search_documents ORDER BY resource_id")
            )
        ]
    engine.dispose()
    assert keys == [facet_key(*v) for v in values]
    assert keys[0] == keys[2] != keys[1]


def test_fingerprints_move_beside_the_bodies_and_back(backend, request, tmp_path):
    """0033: each body takes its document's fingerprint, which leaves the narrow row;
    downgraded, the rows have them again."""
    from alembic import command
    from sqlalchemy import text

    from registry.migrate import alembic_config

    url = fresh_database(backend, tmp_path, request)
    config = alembic_config(url)
    command.downgrade(config, "0032")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO search_documents (resource_id, code, name, provider_id,"
                    " status, open_to_public, share_type, update_cycle, category,"
                    " updated_at, fingerprint, length, facet_key) VALUES (:id, :code, '资源',"
                    " 1, 'published', true, '无条件共享', '每日', '1', '2026-01-01', :fp, 3, 0)"
                ),
                {"id": n, "code": f"C{n}", "fp": f"{n}" * 40},
            )
            conn.execute(
                text("INSERT INTO search_bodies (resource_id, body) VALUES (:id, '{}')"),
                {"id": n},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        moved = conn.execute(
            text("SELECT resource_id, fingerprint FROM search_bodies ORDER BY resource_id")
        ).all()
        columns = {c["name"] for c in inspect(conn).get_columns("search_documents")}
    assert moved == [(1, "1" * 40), (2, "2" * 40)]
    assert "fingerprint" not in columns
    command.downgrade(config, "0032")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT resource_id, fingerprint FROM search_documents ORDER BY resource_id")
        ).all()
        columns = {c["name"] for c in inspect(conn).get_columns("search_bodies")}
    engine.dispose()
    assert back == moved
    assert "fingerprint" not in columns


def test_the_short_documents_index_keeps_the_fields_apart_and_back(tmp_path, request):
    """0034 (SQLite: PostgreSQL's partial index keeps the row's weighted tsvector): the
    short documents' index has search_fts's four fields, each short document's own, and
    none of the longer ones; downgraded, their tokens in one column again."""
    from alembic import command
    from sqlalchemy import text

    from registry.migrate import alembic_config

    url = fresh_database("sqlite", tmp_path, request)
    config = alembic_config(url)
    command.downgrade(config, "0033")
    fields = {
        1: ("户籍", "人口 户籍", "姓名", "A01"),
        2: ("婚姻", "婚姻 登记 信息", "姓名 日期", "B02"),
    }
    engine = create_engine(url)
    with engine.begin() as conn:
        for rid, (name, summary, items, other) in fields.items():
            conn.execute(
                text(
                    "INSERT INTO search_documents (resource_id, code, name, provider_id,"
                    " status, open_to_public, share_type, update_cycle, category,"
                    " updated_at, length, facet_key) VALUES (:id, :code, '资源', 1,"
                    " 'published', true, '无条件共享', '每日', '1', '2026-01-01', :n, 0)"
                ),
                {"id": rid, "code": f"C{rid}", "n": 5 * rid},
            )
            conn.execute(
                text(
                    "INSERT INTO search_fts (rowid, name, summary, items, other)"
                    " VALUES (:id, :name, :summary, :items, :other)"
                ),
                {"id": rid, "name": name, "summary": summary, "items": items, "other": other},
            )
        conn.execute(text("INSERT INTO search_terms VALUES ('#\\:short', 5)"))
        conn.execute(
            text("INSERT INTO search_fts_short (rowid, text, length) VALUES (1, '户籍', 5)")
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        short = conn.execute(
            text("SELECT rowid, name, summary, items, other, length FROM search_fts_short")
        ).all()
        in_items = conn.execute(
            text("SELECT rowid FROM search_fts_short WHERE search_fts_short MATCH '{items}: 姓名'")
        ).all()
    assert short == [(1, *fields[1], 5)]
    assert in_items == [(1,)]
    command.downgrade(config, "0033")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT rowid, text, length FROM search_fts_short")).all()
    engine.dispose()
    assert back == [(1, "户籍 人口 户籍 姓名 A01", 5)]
