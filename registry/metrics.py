"""``/metrics`` in the Prometheus text format (prometheus_client).

Per process: requests by method, route (the URL rule, so one series per route, not per
id) and status, and their latencies. Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR``
(an empty directory, the same for every worker; `registry serve` does it) and each
worker's figures are summed. From the database, at each scrape, so every process says
the same: the search outbox's depth, each job's runs, consecutive failures, lag and last
success, and whether a scheduler leads.

Who may read it: the addresses in ``METRICS_ALLOW_FROM`` (loopback by default: the
Prometheus agent on the host) and administrators.
"""

from __future__ import annotations

import ipaddress
import os

from flask import Blueprint, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from .authz import ADMIN
from .db import db
from .errors import Forbidden

REQUESTS = Counter(
    "registry_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

bp = Blueprint("metrics", __name__)


def observe_request(method: str, route: str | None, status: int, duration_ms: float | None):
    route = route or "unmatched"
    REQUESTS.labels(method, route, str(status)).inc()
    if duration_ms is not None:
        LATENCY.labels(method, route).observe(duration_ms / 1000)


class _DatabaseCollector:
    """Gauges read from the catalog database at scrape time."""

    def collect(self):
        from .search import outbox
        from .services.jobs import job_overview

        depth = GaugeMetricFamily("registry_search_outbox_pending", "Changes waiting to be indexed")
        depth.add_metric([], outbox.pending_count(db.session))
        yield depth
        overview = job_overview(db.session, current_app.config)
        lead = overview["leader"]
        leader = GaugeMetricFamily("registry_scheduler_leader", "1 while a scheduler leads")
        leader.add_metric([], 1.0 if lead and lead["active"] else 0.0)
        yield leader
        families = {
            "runs": GaugeMetricFamily("registry_job_runs", "Runs of each job", labels=["job"]),
            "consecutive_failures": GaugeMetricFamily(
                "registry_job_consecutive_failures", "Failed runs in a row", labels=["job"]
            ),
            "lag_seconds": GaugeMetricFamily(
                "registry_job_lag_seconds",
                "How far behind its schedule a job is (0: on time)",
                labels=["job"],
            ),
        }
        for job in overview["jobs"]:
            for key, family in families.items():
                if job[key] is not None:
                    family.add_metric([job["name"]], float(job[key]))
        yield from families.values()


def _process_registry():
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        from prometheus_client import REGISTRY

        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


@bp.get("/metrics")
def metrics():
    from .identity import current_actor

    if not _allowed(request.remote_addr) and current_actor().role != ADMIN:
        raise Forbidden("仅监控主机与管理员可读取运行指标", code="metrics_forbidden")
    database = CollectorRegistry()
    database.register(_DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(database)
    return Response(
        body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], content_type=CONTENT_TYPE_LATEST
    )


def _allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(net, strict=False)
        for net in current_app.config["METRICS_ALLOW_FROM"]
    )
