"""`registry backup` and `registry restore`: the catalog database to a file and back.

SQLite: the online backup API (a consistent copy while the service runs and writes).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` (the client tools of
the Debian package; ``PG_BIN_DIR`` names another directory). A restore ends by checking
what must hold afterwards: the audit chain verifies, and the search index matches the
restored catalog (what changed since the backup is repaired in the index).

The signing keys and the instance's secret key are files, not rows: back up the
instance folder's ``keys/`` with the same care (docs/deployment.md).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import RegistryError


@dataclass
class RestoreReport:
    audit_checked: int
    audit_ok: bool
    audit_detail: str | None
    index_repaired: int


def verify_restored(session, backend) -> RestoreReport:
    """What must hold after a restore: the audit chain, and an index that matches."""
    from . import audit
    from .db import write_intent
    from .search import maintenance

    chain = audit.verify_chain(session)
    report = maintenance.check(session, backend)
    repaired = 0
    if not report.ok:
        with write_intent():
            repaired = maintenance.repair(session, backend, report)
            session.commit()
    detail = None if chain.ok else f"记录 {chain.broken_at}：{chain.reason}"
    return RestoreReport(chain.checked, chain.ok, detail, repaired)


def backup(url: str, target: Path, *, pg_bin_dir: str | None = None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database)
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target
    _run(
        _tool("pg_dump", pg_bin_dir),
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        _libpq(url),
    )
    return target


def restore(url: str, source: Path, *, pg_bin_dir: str | None = None) -> None:
    """Replace the database's content with the backup's (stop the service first)."""
    if not source.exists():
        raise RegistryError(f"备份文件不存在：{source}", code="no_backup")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        src = sqlite3.connect(source)
        dest = sqlite3.connect(parsed.database)
        try:
            with dest:
                src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    _run(
        _tool("pg_restore", pg_bin_dir),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={_libpq(url)}",
        str(source),
    )


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str, bin_dir: str | None) -> str:
    candidates = [str(Path(bin_dir) / name)] if bin_dir else []
    candidates += sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name)
    if found:
        candidates.append(found)
    for path in candidates:
        if Path(path).exists():
            return path
    raise RegistryError(
        f"找不到 {name}：请安装 PostgreSQL 客户端或设置 PG_BIN_DIR", code="no_pg_tools"
    )


def _run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RegistryError(
            f"{Path(argv[0]).name} 失败：{done.stderr.strip()[-500:]}", code="backup_failed"
        )
