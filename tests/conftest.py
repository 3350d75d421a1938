"""Fixtures: every database test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is a throw-away cluster started by scripts/pg-test-cluster
(or the one named by REGISTRY_TEST_POSTGRES_URL). Each test runs in a transaction
that is rolled back at the end; the app's request commits become savepoint releases.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from registry import create_app, search
from registry.db import Database
from registry.migrate import upgrade

from .helpers import ApiClient, World, build_world

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgresql")
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    # PostgreSQL runs as its own user, which must be able to reach the directory.
    base = Path(tempfile.mkdtemp(prefix="registry-pg-", dir="/tmp"))
    base.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / "pg-test-cluster"), "start", str(base / "pg")],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"could not start PostgreSQL:\n{result.stderr}")
    try:
        yield result.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(
            [str(ROOT / "scripts" / "pg-test-cluster"), "stop", str(base / "pg")],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(backend: str, tmp: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of ``backend``, migrated to head; returns its URL."""
    n = next(_db_counter)
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'registry-{n}.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        name = f"registry_test_{os.getpid()}_{n}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    return fresh_database(request.param, tmp_path_factory.mktemp(request.param), request)


@pytest.fixture
def backend(database_url) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def make_app(database_url: str, instance: Path, **overrides):
    from config import testing

    settings = {k: v for k, v in vars(testing).items() if k.isupper()}
    return create_app(
        {**settings, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), **overrides}
    )


@contextlib.contextmanager
def rolled_back(app) -> Iterator:
    """Every session of ``app`` inside one transaction, rolled back at the end."""
    state = Database.state(app)
    connection = state.engine.connect()
    outer = connection.begin()
    state.bind_to(connection)
    try:
        yield app
    finally:
        outer.rollback()
        connection.close()
        state.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """An app whose every session runs inside one rolled-back transaction."""
    with rolled_back(make_app(database_url, tmp_path)) as app:
        yield app


@pytest.fixture
def session(app):
    with app.app_context():
        from registry.db import db

        yield db.session


@pytest.fixture
def world(app) -> World:
    return build_world(app)


@pytest.fixture
def api(app, world) -> ApiClient:
    return ApiClient(app.test_client(), world)


# -- search ------------------------------------------------------------------------------
# The contract suite runs on the built-in backend over SQLite and over PostgreSQL, and on
# the engine backend against a real OpenSearch node and a real Elasticsearch node
# (scripts/search-node), each over SQLite.
SEARCH_BACKENDS = ("sqlite", "postgresql", "opensearch", "elasticsearch")
_search_counter = itertools.count()


def _engine_node(engine: str, env: str, tmp_path_factory) -> Iterator[str]:
    url = os.environ.get(env)
    if url:
        yield url
        return
    base = tmp_path_factory.mktemp(f"{engine}-node")
    script = str(ROOT / "scripts" / "search-node")
    result = subprocess.run([script, "start", str(base), engine], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"could not start the {engine} node:\n{result.stderr}")
    try:
        yield result.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([script, "stop", str(base)], capture_output=True)


@pytest.fixture(scope="session")
def search_node(tmp_path_factory) -> Iterator[str]:
    yield from _engine_node("opensearch", "REGISTRY_TEST_SEARCH_URL", tmp_path_factory)


@pytest.fixture(scope="session")
def elasticsearch_node(tmp_path_factory) -> Iterator[str]:
    yield from _engine_node("elasticsearch", "REGISTRY_TEST_ELASTICSEARCH_URL", tmp_path_factory)


@pytest.fixture(scope="session")
def catalog_urls(tmp_path_factory, request) -> dict[str, str]:
    """One migrated database per dialect for the search tests, created on first use."""
    return _LazyUrls(tmp_path_factory, request)


class _LazyUrls(dict):
    def __init__(self, factory, request) -> None:
        super().__init__()
        self._factory, self._request = factory, request

    def __missing__(self, backend: str) -> str:
        url = self[backend] = fresh_database(
            backend, self._factory.mktemp(f"search-{backend}"), self._request
        )
        return url


@pytest.fixture(params=SEARCH_BACKENDS)
def search_kind(request) -> str:
    return request.param


@pytest.fixture
def search_app(search_kind, catalog_urls, tmp_path, request):
    """An app on ``search_kind``, every session in one rolled-back transaction; an engine
    backend gets an index of its own, deleted afterwards."""
    overrides = {}
    if search_kind in ("opensearch", "elasticsearch"):
        node = request.getfixturevalue(
            "search_node" if search_kind == "opensearch" else "elasticsearch_node"
        )
        overrides = {
            "SEARCH_URL": node,
            "SEARCH_INDEX": f"registry-test-{os.getpid()}-{next(_search_counter)}",
        }
    url = catalog_urls["postgresql" if search_kind == "postgresql" else "sqlite"]
    with rolled_back(make_app(url, tmp_path, **overrides)) as app:
        yield app
    if overrides:
        backend = search.backend(app)
        backend.client.request("DELETE", f"/{overrides['SEARCH_INDEX']}-*", missing_ok=True)
        backend.close()


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by waitress on a loopback port; yields its base URL."""
    import threading

    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Let the worker threads finish what they serve before the sockets close (they
        # wake the loop through a trigger that closing would pull from under them).
        server.task_dispatcher.shutdown(timeout=5)

        def close_all() -> None:
            # In the loop's own thread: closing a socket under another thread's select()
            # was a "Bad file descriptor" there when a browser still held a connection.
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_all)
            thread.join(timeout=5)
        except OSError:
            # The trigger's pipe was already closed (seen once in CI: EBADF on writing to
            # it). Empty the loop's map instead: it copies the map before each select, so
            # it leaves at its next turn (the select times out within a second), and the
            # channels are closed here once it has.
            channels = list(server._map.values())
            server._map.clear()
            thread.join(timeout=5)
            for channel in channels:
                with contextlib.suppress(OSError):
                    channel.close()
        Database.state(app).engine.dispose()  # the pool's connections, closed here
        gc.collect()  # any socket left unclosed is reported here, in this test, not in a later one


@pytest.fixture
def live_server(tmp_path, request):
    """(app, world, base URL): the app over a committed SQLite file, served by waitress on
    a loopback port, for clients that speak HTTP (generated clients, a browser)."""
    from .helpers import build_world

    app = make_app(fresh_database("sqlite", tmp_path, request), tmp_path)
    world = build_world(app)
    with served(app) as base:
        yield app, world, base
