"""Interface health (接口可用性): an HTTP probe of each registered ``api`` interface's
endpoint, by the scheduler's ``interface_health`` job.

- Only hosts an administrator allows are probed (``PROBE_ALLOWED_HOSTS``; empty by
  default): an allow-list, so registering an endpoint cannot turn the registry into a
  scanner of the government network. Other endpoints keep ``unknown`` with a reason.
- A plain GET with no credentials and no cookies, redirects not followed (a 3xx answers),
  a timeout (``PROBE_TIMEOUT_SECONDS``); the endpoint is up when it answers below 500,
  ``slow`` beyond ``PROBE_SLOW_MS``.
- Bounded: ``PROBE_CONCURRENCY`` hosts at once, one request at a time per host with
  ``PROBE_HOST_DELAY_SECONDS`` between two (politeness), at most ``PROBE_LIMIT``
  interfaces per run (the least recently checked first).
- ``failing`` after a failure, ``down`` after ``PROBE_DOWN_AFTER`` in a row; every probe
  is kept in ``interface_probes`` (pruned after ``PROBE_HISTORY_DAYS``); a change of
  state (up ⇄ down) is audited and the providing department is told.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatch
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..authz import REVIEWER, Actor, require_role
from ..db import utcnow
from ..models import Interface, InterfaceProbe
from .notifications import notify


@dataclass(frozen=True)
class ProbeSettings:
    allowed_hosts: tuple[str, ...]
    timeout: float = 5.0
    slow_ms: float = 2000.0
    concurrency: int = 8
    host_delay: float = 0.5
    down_after: int = 3
    limit: int = 2000
    history_days: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ProbeSettings:
        return cls(
            allowed_hosts=tuple(config["PROBE_ALLOWED_HOSTS"]),
            timeout=float(config["PROBE_TIMEOUT_SECONDS"]),
            slow_ms=float(config["PROBE_SLOW_MS"]),
            concurrency=int(config["PROBE_CONCURRENCY"]),
            host_delay=float(config["PROBE_HOST_DELAY_SECONDS"]),
            down_after=int(config["PROBE_DOWN_AFTER"]),
            limit=int(config["PROBE_LIMIT"]),
            history_days=int(config["PROBE_HISTORY_DAYS"]),
        )

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return any(
            fnmatch(host, pattern) or fnmatch(f"{host}:{port}", pattern)
            for pattern in (p.lower() for p in self.allowed_hosts)
        )


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: float | None
    error: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer; following it could leave the allowed hosts


_OPENER = urllib.request.build_opener(_NoRedirect)
_OPENER.addheaders = [("User-Agent", "gov-data-registry-probe/1")]


def probe(url: str, timeout: float) -> Outcome:
    started = time.perf_counter()
    try:
        with _OPENER.open(urllib.request.Request(url, method="GET"), timeout=timeout) as r:
            r.read(1024)
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, None, None, f"{type(reason).__name__}: {reason}"[:300])
    latency = round((time.perf_counter() - started) * 1000, 1)
    if status >= 500:
        return Outcome(False, status, latency, f"HTTP {status}")
    return Outcome(True, status, latency, None)


@dataclass(frozen=True)
class Target:
    id: int
    endpoint: str
    health: str
    health_failures: int
    department_id: int
    name: str


def probe_targets(
    session: Session, actor: Actor, *, settings: ProbeSettings
) -> tuple[list[Target], list[Target]]:
    """The ``api`` interfaces to probe now (least recently checked first) and those whose
    host is not allowed. Reads only: the probing itself runs outside any transaction."""
    require_role(actor, REVIEWER)
    rows = [
        Target(*row)
        for row in session.execute(
            select(
                Interface.id,
                Interface.endpoint,
                Interface.health,
                Interface.health_failures,
                Interface.department_id,
                Interface.name,
            )
            .where(Interface.kind == "api", Interface.endpoint.is_not(None))
            .order_by(Interface.health_checked_at.asc().nulls_first(), Interface.id)
            .limit(settings.limit)
        )
    ]
    allowed = [t for t in rows if settings.allows(t.endpoint)]
    return allowed, [t for t in rows if not settings.allows(t.endpoint)]


def run_probes(targets: list[Target], settings: ProbeSettings) -> list[tuple[Target, Outcome]]:
    """Probe each target: hosts in parallel (bounded), one host's endpoints in turn."""
    by_host: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        parts = urlsplit(target.endpoint)
        by_host[f"{parts.hostname}:{parts.port}"].append(target)

    def run_host(items: list[Target]) -> list[tuple[Target, Outcome]]:
        results = []
        for n, target in enumerate(items):
            if n:
                time.sleep(settings.host_delay)
            results.append((target, probe(target.endpoint, settings.timeout)))
        return results

    outcomes: list[tuple[Target, Outcome]] = []
    if by_host:
        with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
            for results in pool.map(run_host, by_host.values()):
                outcomes.extend(results)
    return outcomes


def record_probes(
    session: Session,
    actor: Actor,
    outcomes: list[tuple[Target, Outcome]],
    refused: list[Target],
    *,
    settings: ProbeSettings,
) -> dict[str, int]:
    """Store each outcome and move each interface's state (the caller commits)."""
    require_role(actor, REVIEWER)
    now = utcnow()
    counts = {"probed": len(outcomes), "not_allowed": len(refused), "up": 0, "slow": 0}
    counts.update(failing=0, down=0)
    for target, outcome in outcomes:
        failures = 0 if outcome.ok else target.health_failures + 1
        if outcome.ok:
            state = "slow" if outcome.latency_ms > settings.slow_ms else "up"
        else:
            state = "down" if failures >= settings.down_after else "failing"
        counts[state] += 1
        _store(session, target.id, now, state, failures, outcome)
        if (state == "down") != (target.health == "down"):
            _tell(session, actor, target, state, outcome)
    for target in refused:
        if target.health != "unknown" or target.health_failures:
            _store(session, target.id, now, "unknown", 0, None, "主机不在探测白名单中")
    session.execute(
        delete(InterfaceProbe).where(
            InterfaceProbe.checked_at < now - timedelta(days=settings.history_days)
        )
    )
    session.flush()
    return counts


def _store(session, interface_id, now, state, failures, outcome, detail=None) -> None:
    session.execute(
        update(Interface)
        .where(Interface.id == interface_id)
        .values(
            health=state,
            health_checked_at=now,
            health_failures=failures,
            health_latency_ms=outcome.latency_ms if outcome else None,
            health_detail=(outcome.error if outcome else detail),
            updated_at=Interface.updated_at,  # a probe is not an edit
        )
        .execution_options(synchronize_session=False)
    )
    if outcome is not None:
        session.execute(
            insert(InterfaceProbe).values(
                interface_id=interface_id,
                checked_at=now,
                ok=outcome.ok,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
            )
        )


def _tell(session, actor, row, state, outcome) -> None:
    went_down = state == "down"
    audit.record(
        session,
        actor,
        "interface.health",
        "interface",
        row.id,
        before={"health": row.health},
        after={"health": state, "error": outcome.error},
    )
    notify(
        session,
        kind="interface.down" if went_down else "interface.up",
        subject_type="interface",
        subject_id=row.id,
        title=f"接口“{row.name}”{'无法访问' if went_down else '已恢复访问'}",
        body=(outcome.error or "") if went_down else f"响应 {outcome.latency_ms} 毫秒",
        department_id=row.department_id,
    )
