"""`registry backup` and `registry restore` on a fresh instance, SQLite (online backup)
and PostgreSQL (pg_dump/pg_restore): what was written after the backup is gone after
the restore, the audit chain verifies, and the search index is brought back in line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select

from registry.models import AuditEvent, Resource

from .test_cli import registry


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_backup_then_restore(backend, tmp_path, request):
    db_url = None
    if backend == "postgresql":
        from .conftest import fresh_database

        db_url = fresh_database("postgresql", tmp_path, request)
    url = db_url or f"sqlite:///{tmp_path / 'registry.db'}"
    ok = lambda r: r.returncode == 0 or pytest.fail(r.stdout + r.stderr)  # noqa: E731
    ok(registry(tmp_path, "db", "upgrade", db_url=db_url))
    ok(registry(tmp_path, "demo", "load", "--scale", "county", "--if-empty", db_url=db_url))
    ok(registry(tmp_path, "search", "drain", db_url=db_url))
    engine = create_engine(url)

    def counts() -> tuple[int, int]:
        with engine.connect() as c:
            return (
                c.scalar(select(func.count()).select_from(Resource)),
                c.scalar(select(func.count()).select_from(AuditEvent)),
            )

    before = counts()
    target = tmp_path / "backups" / f"registry.{'db' if backend == 'sqlite' else 'dump'}"
    result = registry(tmp_path, "backup", str(target), db_url=db_url)
    ok(result)
    assert target.stat().st_size > 10_000 and "已备份" in result.stdout

    # After the backup: an import adds entries (and audit events, and index documents).
    entries = [
        {
            "classification_code": "307001",
            "name": f"备份之后登记的资源{n}",
            "summary": "备份之后",
            "provider_code": "11330100MB0000001X",
            "format_class": "电子文件",
            "share_type": "无条件共享",
            "share_method_class": "共享平台方式",
            "share_method_platform": "接口",
            "open_type": "不予开放",
            "update_cycle": "每月",
            "publish_date": "2026-01-15",
            "items": [{"name": "名称", "data_type": "字符型C", "length": 50}],
        }
        for n in range(3)
    ]
    with engine.connect() as c:
        entries_code = c.exec_driver_sql(
            "SELECT code FROM departments ORDER BY id LIMIT 1"
        ).scalar()
    for e in entries:
        e["provider_code"] = entries_code
    (tmp_path / "after.json").write_text(json.dumps(entries, ensure_ascii=False))
    ok(registry(tmp_path, "import", str(tmp_path / "after.json"), db_url=db_url))
    assert counts()[0] == before[0] + 3

    refused = registry(tmp_path, "restore", str(target), db_url=db_url, stdin="n\n")
    assert refused.returncode != 0 and counts()[0] == before[0] + 3  # asked, and refused
    result = registry(tmp_path, "restore", str(target), "--yes", db_url=db_url)
    ok(result)
    assert counts() == before
    # The built-in index lives in the database: restored with it, nothing to repair.
    assert "审计链完整" in result.stdout and "检索索引修复 0 个文档" in result.stdout
    engine.dispose()
    check = registry(tmp_path, "search", "check", db_url=db_url)
    ok(check)
    assert "缺失 0，过期 0，多余 0" in check.stdout


def test_after_a_restore_the_index_is_brought_in_line(app, api):
    """What an engine's index holds of entries the restore took away (or lacks of ones
    it brought back) is repaired; a broken chain is reported."""
    from registry import search
    from registry.backup import verify_restored
    from registry.db import db
    from registry.models import SearchDocument

    from .factories import published

    first, second = published(api), published(api)
    with app.app_context():
        db.session.execute(
            SearchDocument.__table__.delete().where(SearchDocument.resource_id == first["id"])
        )
        db.session.commit()
        report = verify_restored(db.session, search.backend())
        assert report.audit_ok and report.index_repaired == 1
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        event.action = "tampered"
        db.session.commit()
        report = verify_restored(db.session, search.backend())
        assert not report.audit_ok and str(event.id) in report.audit_detail
    assert second
