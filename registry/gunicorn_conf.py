"""gunicorn settings for `registry serve --workers N` (``-c python:registry.gunicorn_conf``).

The app is loaded once in the master (``preload_app``) and frozen out of the garbage
collector's reach before the workers fork (registry.runtime), so each worker shares the
start-up objects' pages and full collections stay short. Per-worker metrics live in
``PROMETHEUS_MULTIPROC_DIR``; a worker that exits is marked dead there.
"""

from __future__ import annotations

preload_app = True
worker_class = "gthread"
# Requests past this are cut by the master (an import is the longest: 20,000 resources).
timeout = 300
graceful_timeout = 30
accesslog = None  # one JSON line per request comes from the app itself (registry.logs)
# gunicorn's control socket is one path per user: two instances on a host would share it.
control_socket_disable = True


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
