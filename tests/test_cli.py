"""The `registry` command on a fresh instance: migrate, demo, users, tokens, audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def registry(
    instance: Path, *args: str, db_url: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_INSTANCE_PATH"] = str(instance)
    if db_url:
        env["REGISTRY_DATABASE_URL"] = db_url
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fresh_instance_end_to_end(backend, tmp_path, request):
    db_url = None
    if backend == "postgresql":
        from .conftest import fresh_database

        db_url = fresh_database("postgresql", tmp_path, request)
    ok = lambda r: r.returncode == 0 or pytest.fail(r.stdout + r.stderr)  # noqa: E731
    ok(registry(tmp_path, "db", "upgrade", db_url=db_url))
    ok(registry(tmp_path, "demo", "load", "--scale", "county", "--if-empty", db_url=db_url))
    answers = json.loads((tmp_path / "demo-answers-county.json").read_text("utf-8"))
    assert answers["counts"]["resources"] == 1200
    # Demo users can sign in at once (passwords generated, kept in the instance folder),
    # and the county has a sharing history to show.
    accounts = dict(
        line.split("\t") for line in (tmp_path / "demo-accounts.txt").read_text().splitlines()
    )
    assert set(accounts) == {
        "demo-admin",
        "demo-reviewer",
        "demo-ndrc",
        "demo-auditor",
        "demo-editor",
    }
    assert oct((tmp_path / "demo-accounts.txt").stat().st_mode)[-3:] == "600"
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url or f"sqlite:///{tmp_path / 'registry.db'}")
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(text("SELECT status, count(*) FROM share_requests GROUP BY status")).all()
        )
        grants = conn.execute(text("SELECT count(*) FROM share_grants")).scalar()
    engine.dispose()
    assert statuses.get("approved", 0) >= 10 and statuses.get("pending", 0) >= 1
    assert grants == statuses["approved"]
    again = registry(tmp_path, "demo", "load", "--if-empty", db_url=db_url)
    assert again.returncode == 0 and "跳过" in again.stdout
    ok(
        registry(
            tmp_path,
            "user",
            "add",
            "zhang",
            "--role",
            "dept_editor",
            "--department",
            answers_dept_code(tmp_path, db_url),
            db_url=db_url,
        )
    )
    token = registry(tmp_path, "token", "issue", "zhang", db_url=db_url)
    ok(token)
    assert token.stdout.strip().startswith("reg_")
    bad = registry(tmp_path, "user", "add", "li", "--role", "dept_editor", db_url=db_url)
    assert (
        bad.returncode == 1
        and "部门编辑须属于一个部门" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    verify = registry(tmp_path, "audit", "verify", db_url=db_url)
    ok(verify)
    assert "审计链完整" in verify.stdout


def answers_dept_code(instance: Path, db_url: str | None) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url or f"sqlite:///{instance / 'registry.db'}")
    with engine.connect() as conn:
        code = conn.execute(
            text("SELECT code FROM departments WHERE name LIKE '%公安局' LIMIT 1")
        ).scalar_one()
    engine.dispose()
    return code
