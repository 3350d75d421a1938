"""Benchmark of data sharing at province scale (issue: data sharing itself).

A province of 100 counties (the demo province) with three years of sharing history,
written with bulk inserts: about 500,000 share requests, their grants, 2,000,000 rows of
the platform's call log, quarterly usage reports and corrections. Each figure beside a
plain SQL statement computing the same thing, in the same run:

- the province's sharing score (every department, and the total): time, and the peak
  memory of a process that does nothing else         vs the hand-written aggregates
- one county's score (``region=``)                      vs the same aggregates, one county
- per resource, per system and per project (province)   (time only)
- the daily overdue scan (``escalate_overdue``: a day's newly overdue requests escalated,
  audited and notified), the expiry of a day's ended grants, the two-day reminders and
  the usage-report reminders of a quarter's first day   vs the SELECT that finds them
- the request list with filters (a department's received pending requests, the center's
  overdue list), first page of 50                       vs the same SELECT in plain SQL

Goals (the issue): province score <= 5 s and <= 1 GB, county score <= 200 ms, overdue
scan <= 2 s.

    python benchmarks/sharing.py [--database-url URL] [--keep DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import load_demo_once, pct  # noqa: E402
from registry import create_app  # noqa: E402
from registry.authz import EDITOR, REVIEWER, Actor  # noqa: E402
from registry.db import db, write_intent  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import (  # noqa: E402
    Correction,
    Department,
    Grant,
    InformationSystem,
    Interface,
    Resource,
    ShareRequest,
    UsageObservation,
    UsageReport,
)
from registry.services import grants, reminders, scores, sharing  # noqa: E402
from registry.services.feedback import previous_quarter  # noqa: E402

SYSTEM = Actor.system("benchmark")
REQUESTS = 500_000
CALL_ROWS = 2_000_000
CORRECTIONS = 20_000
CHUNK = 20_000
# Today's work for the daily jobs: what a province sees in a day.
NEW_OVERDUE = 60
ENDING_TODAY = 40
DUE_SOON = 150


def summary(values: list[float]) -> dict:
    return {"p50_ms": pct(values, 50, digits=1), "p95_ms": pct(values, 95, digits=1)}


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


# -- the province and its history ------------------------------------------------------------


def prepare(app, report: dict) -> None:
    with app.app_context(), write_intent():
        s = db.session
        load_demo_once(s, "province", report)
        if not s.scalar(select(func.count()).select_from(ShareRequest)):
            t = time.perf_counter()
            history(s, sharing.SharingSettings.from_config(app.config))
            s.commit()
            report["history_load_s"] = round(time.perf_counter() - t, 1)
        # The steady state autovacuum keeps: statistics, and on PostgreSQL the visibility
        # map that lets the figures come from the covering indexes alone.
        if s.get_bind().dialect.name == "postgresql":
            s.commit()
            with db.engine.connect() as c:
                c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            s.execute(text("ANALYZE"))
            s.commit()
        for model in (
            Department,
            Resource,
            InformationSystem,
            ShareRequest,
            Grant,
            UsageObservation,
            UsageReport,
            Correction,
        ):
            report.setdefault("rows", {})[model.__tablename__] = s.scalar(
                select(func.count()).select_from(model)
            )


def history(s, settings: sharing.SharingSettings) -> None:
    """Three years of sharing, in bulk: everything before today already processed by the
    daily jobs, and today's share of newly overdue requests, ending grants and deadlines
    two working days away left for the jobs to find."""
    rng = random.Random("sharing-benchmark-v1")
    today, cal = settings.today(), settings.calendar
    now = datetime.now(UTC)
    resources = s.execute(
        select(Resource.id, Resource.provider_department_id).where(
            Resource.status == "published", Resource.share_type != "不予共享"
        )
    ).all()
    systems = s.execute(select(InformationSystem.id, InformationSystem.department_id)).all()
    interfaces = list(s.scalars(select(Interface.id)))
    by_region: dict[int, list] = {}
    region_of = dict(s.execute(select(Department.id, Department.region)).all())
    for system in systems:
        by_region.setdefault(region_of[system.department_id], []).append(system)

    requests, grant_rows, call_rows, report_rows = [], [], [], []
    grant_id = 0
    for n in range(1, REQUESTS + 1):
        res = rng.choice(resources)
        local = by_region[region_of[res.provider_department_id]]
        system = rng.choice(local)
        while system.department_id == res.provider_department_id:
            system = rng.choice(local)
        submitted = today - timedelta(days=rng.randint(0, 3 * 365))
        roll = rng.random()
        status = (
            "approved"
            if roll < 0.62
            else "refused"
            if roll < 0.8
            else "withdrawn"
            if roll < 0.85
            else "needs_info"
            if roll < 0.87
            else "pending"
        )
        due = cal.add_working_days(submitted, 10)
        row = {
            "id": n,
            "resource_id": res.id,
            "provider_department_id": res.provider_department_id,
            "requester_department_id": system.department_id,
            "requester_system_id": system.id,
            "purpose": "核验身份",
            "business_matter": "企业开办",
            "item_names": [],
            "period_start": submitted,
            "status": status,
            "deadline_days": 10,
            "submitted_at": datetime.combine(submitted, datetime.min.time(), UTC),
            "due_date": None,
            "remaining_days": None,
            "decided_on": None,
            "answer_days": None,
            "answered_late": False,
            "escalated_at": None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        if status in ("approved", "refused"):
            days = max(0, int(rng.gauss(6, 4)))
            row["answer_days"], row["answered_late"] = days, days > 10
            row["decided_on"] = cal.add_working_days(submitted, days)
        elif status == "pending":
            row["due_date"] = due
            if due < today:
                row["escalated_at"] = now  # the jobs of the days before saw it
        elif status == "needs_info":
            row["remaining_days"] = 4
        requests.append(row)
        if status == "approved":
            grant_id += 1
            starts = row["decided_on"]
            ends = starts + timedelta(days=rng.choice((365, 730, 1095)))
            state = "active" if ends >= today else "expired"
            if state == "active" and rng.random() < 0.08:
                state = "withdrawn"
            grant_rows.append(
                {
                    "id": grant_id,
                    "request_id": n,
                    "resource_id": res.id,
                    "provider_department_id": res.provider_department_id,
                    "consumer_department_id": system.department_id,
                    "consumer_system_id": system.id,
                    "flow_id": None,
                    "starts_on": starts,
                    "ends_on": ends,
                    "status": state,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if len(requests) >= CHUNK:
            _bulk(s, ShareRequest, requests)
            requests.clear()
    _bulk(s, ShareRequest, requests)
    _bulk(s, Grant, grant_rows)
    for row in grant_rows:  # quarterly reports of the grants still running
        if row["status"] == "active":
            for period in (previous_quarter(today), previous_quarter(today - timedelta(days=92))):
                if rng.random() < 0.97:
                    report_rows.append(
                        {
                            "grant_id": row["id"],
                            "period": period,
                            "uses": rng.randint(0, 5000),
                            "purposes": "核验",
                            "met_purpose": True,
                            "problems": None,
                            "reporter_id": None,
                            "submitted_at": now,
                        }
                    )
    _bulk(s, UsageReport, report_rows)
    for k in range(CALL_ROWS):
        g = grant_rows[k % len(grant_rows)]
        month = g["starts_on"] + timedelta(days=30 * (k // len(grant_rows)))
        call_rows.append(
            {
                "interface_id": interfaces[g["resource_id"] % len(interfaces)],
                "consumer_system_id": g["consumer_system_id"],
                "grant_id": g["id"],
                "period_start": month,
                "period_end": month + timedelta(days=29),
                "calls": rng.randint(1, 3000),
                "source": "platform-calls.csv sha256:benchmark",
                "loaded_at": now,
            }
        )
        if len(call_rows) >= CHUNK:
            _bulk(s, UsageObservation, call_rows)
            call_rows.clear()
    _bulk(s, UsageObservation, call_rows)
    corrections = []
    for _ in range(CORRECTIONS):
        res = rng.choice(resources)
        answered = rng.random() < 0.9
        corrections.append(
            {
                "resource_id": res.id,
                "provider_department_id": res.provider_department_id,
                "requester_department_id": rng.choice(systems).department_id,
                "description": "记录有误",
                "status": "answered" if answered else "open",
                "submitted_at": now,
                "due_date": None if answered else today + timedelta(days=rng.randint(-20, 30)),
                "answered_late": answered and rng.random() < 0.1,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    _bulk(s, Correction, corrections)
    _today_work(s, settings, rng, today)


def _bulk(s, model, rows: list[dict]) -> None:
    """Core executemany in chunks (an empty list would insert one row of defaults)."""
    for start in range(0, len(rows), CHUNK):
        s.execute(insert(model), rows[start : start + CHUNK])


def _today_work(s, settings, rng, today: date) -> None:
    """What the daily jobs find today: newly overdue requests, grants that ended
    yesterday, requests due two working days from now."""
    pending = list(
        s.scalars(
            select(ShareRequest)
            .where(ShareRequest.status == "refused")
            .order_by(ShareRequest.id)
            .limit(NEW_OVERDUE + DUE_SOON)
        )
    )
    for request in pending[:NEW_OVERDUE]:
        request.status, request.due_date = "pending", today - timedelta(days=1)
        request.answer_days, request.decided_on = None, None
    soon = settings.calendar.add_working_days(today, 2)
    for request in pending[NEW_OVERDUE:]:
        request.status, request.due_date = "pending", soon
        request.answer_days, request.decided_on = None, None
    ending = list(
        s.scalars(
            select(Grant).where(Grant.status == "active").order_by(Grant.id).limit(ENDING_TODAY)
        )
    )
    for grant in ending:
        grant.ends_on = today - timedelta(days=1)
    s.flush()


# -- plain SQL ---------------------------------------------------------------------------------

PLAIN = {
    "resources": """
        SELECT r.provider_department_id, count(*),
               sum(CASE WHEN r.share_type <> '不予共享' THEN 1 ELSE 0 END),
               sum(CASE WHEN r.share_type <> '不予共享' AND (
                   SELECT 1 FROM interface_resources ir JOIN interfaces i
                     ON i.id = ir.interface_id
                   WHERE ir.resource_id = r.id AND i.platform_connected LIMIT 1) IS NOT NULL
                   THEN 1 ELSE 0 END)
        FROM resources r WHERE r.status = 'published' {where_r}
        GROUP BY r.provider_department_id""",
    "requests": """
        SELECT provider_department_id, count(*),
               sum(CASE WHEN status IN ('approved', 'refused') THEN 1 ELSE 0 END),
               sum(CASE WHEN status IN ('approved', 'refused') AND NOT answered_late
                   THEN 1 ELSE 0 END),
               sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END)
        FROM share_requests {where} GROUP BY provider_department_id""",
    "answer_days": """
        SELECT provider_department_id, answer_days, count(*) FROM share_requests
        WHERE answer_days IS NOT NULL {and_} GROUP BY provider_department_id, answer_days""",
    "grants": """
        SELECT provider_department_id, count(*), count(DISTINCT consumer_department_id)
        FROM share_grants WHERE status = 'active' {and_} GROUP BY provider_department_id""",
    "reports": """
        SELECT g.provider_department_id, count(*), coalesce(sum(u.uses), 0)
        FROM usage_reports u JOIN share_grants g ON g.id = u.grant_id {where_g}
        GROUP BY g.provider_department_id""",
    "calls": """
        SELECT g.provider_department_id, coalesce(sum(o.calls), 0)
        FROM usage_observations o JOIN share_grants g ON g.id = o.grant_id {where_g}
        GROUP BY g.provider_department_id""",
    "corrections": """
        SELECT provider_department_id, count(*),
               sum(CASE WHEN status = 'answered' AND NOT answered_late THEN 1 ELSE 0 END)
        FROM corrections {where} GROUP BY provider_department_id""",
}


def plain_scores(session, region: str | None) -> int:
    """The same figures in hand-written SQL (the floor our layers are measured against)."""
    depts = "provider_department_id IN (SELECT id FROM departments WHERE region = :region)"
    fill = {
        "where": f"WHERE {depts}" if region else "",
        "and_": f"AND {depts}" if region else "",
        "where_r": f"AND r.{depts}" if region else "",
        "where_g": f"WHERE g.{depts}" if region else "",
    }
    rows = 0
    for sql in PLAIN.values():
        rows += len(session.execute(text(sql.format(**fill)), {"region": region}).all())
    return rows


# -- measuring ---------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from
    the parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def child_province_score(url: str, instance: str) -> None:
    """Run in a fresh process: the province score alone, and this process's peak memory."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance})
    with app.app_context():
        before = peak_rss_mb()
        actor = Actor(None, "bench", REVIEWER)
        t = time.perf_counter()
        rows, total = scores.sharing_scores(db.session, actor)
        elapsed = time.perf_counter() - t
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "rows": len(rows),
                "total_requests": total.requests,
                "peak_rss_mb": peak_rss_mb(),
                "rss_after_start_mb": before,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the database in DIR")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    instance = args.keep or Path(tempfile.mkdtemp(prefix="registry-sharing-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{instance / 'registry.db'}"
    if args.child:
        child_province_score(url, str(instance))
        return
    upgrade(url)
    report: dict = {"database": url.split(":")[0], "repeat": args.repeat}
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    prepare(app, report)
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--keep", str(instance), "--database-url", url],
        capture_output=True,
        text=True,
        check=True,
    )
    report["province_score_process"] = json.loads(child.stdout.strip().splitlines()[-1])

    settings = sharing.SharingSettings.from_config(app.config)
    reader = Actor(None, "bench", REVIEWER)
    with app.app_context():
        s = db.session
        region = s.scalar(select(Department.region).order_by(Department.id).limit(1))
        repeat = args.repeat
        cases = {
            "province_score": (
                lambda: scores.sharing_scores(s, reader),
                lambda: plain_scores(s, None),
            ),
            "county_score": (
                lambda: scores.sharing_scores(s, reader, region=region),
                lambda: plain_scores(s, region),
            ),
        }
        report["scores"] = {}
        for name, (ours, plain) in cases.items():
            n = repeat if name == "province_score" else repeat * 6
            report["scores"][name] = {"ours": summary(timed(ours, n)), "plain_sql": None}
            report["scores"][name]["plain_sql"] = summary(timed(plain, n))
        for scope in ("resource", "system", "project"):
            report["scores"][f"province_by_{scope}"] = summary(
                timed(lambda scope=scope: scores.sharing_scores(s, reader, scope=scope), 2)
            )
        report["jobs"] = jobs(app, settings)
        report["lists"] = lists(app, settings, repeat * 6)
    print(json.dumps(report, ensure_ascii=False, indent=2))


def jobs(app, settings) -> dict:
    """Each daily job once on today's work, in a transaction rolled back afterwards (so
    every run measures the same day), beside the SELECT that finds its rows."""
    actor = Actor.system("benchmark-scan")
    today = settings.today()
    finders = {
        "escalate_overdue": (
            lambda s: sharing.escalate_overdue(s, actor, today=today),
            "SELECT id FROM share_requests WHERE status = 'pending' AND due_date < :today"
            " AND escalated_at IS NULL",
        ),
        "expire_grants": (
            lambda s: grants.expire_grants(s, actor, today=today),
            "SELECT id FROM share_grants WHERE status = 'active' AND ends_on < :today",
        ),
        "remind_due_soon": (
            lambda s: reminders.remind_due_soon(s, settings=settings),
            "SELECT id FROM share_requests WHERE status = 'pending' AND due_date >= :today"
            " AND due_date <= :horizon UNION ALL SELECT id FROM corrections"
            " WHERE status = 'open' AND due_date >= :today AND due_date <= :horizon",
        ),
        "remind_usage_reports": (
            lambda s: reminders.remind_usage_reports(s, actor, today=today),
            "SELECT g.id FROM share_grants g WHERE g.status = 'active' AND g.starts_on < :qend"
            " AND NOT EXISTS (SELECT 1 FROM usage_reports u WHERE u.grant_id = g.id"
            " AND u.period = :period)",
        ),
    }
    period = previous_quarter(today)
    year, q = int(period[:4]), int(period[-1])
    params = {
        "today": today,
        "horizon": settings.calendar.add_working_days(today, 2),
        "period": period,
        "qend": date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1),
    }
    out = {}
    for name, (job, sql) in finders.items():
        with app.app_context(), write_intent():
            s = db.session
            t = time.perf_counter()
            done = job(s)
            s.flush()
            elapsed = time.perf_counter() - t
            s.rollback()
            t = time.perf_counter()
            found = len(s.execute(text(sql), params).all())
            plain = time.perf_counter() - t
        out[name] = {
            "rows": len(done),
            "ours_ms": round(elapsed * 1000, 1),
            "plain_select_ms": round(plain * 1000, 1),
            "found_by_select": found,
        }
    return out


def lists(app, settings, repeat: int) -> dict:
    """A department's received pending requests, and the center's overdue list: the
    service's statement (first page of 50, ORM objects) beside the same SQL by hand."""
    today = settings.today()
    with app.app_context():
        s = db.session
        busiest = s.execute(
            select(ShareRequest.provider_department_id, func.count())
            .where(ShareRequest.status == "pending")
            .group_by(ShareRequest.provider_department_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        editor = Actor(None, "bench", EDITOR, busiest[0])
        center = Actor(None, "bench", REVIEWER)
        cases = {
            "received_pending": (
                lambda: s.scalars(
                    sharing.list_share_requests(
                        editor, status="pending", department_id=busiest[0], side="provider"
                    )
                    .order_by(ShareRequest.id.desc())
                    .limit(50)
                ).all(),
                "SELECT * FROM share_requests WHERE (requester_department_id = :d OR"
                " provider_department_id = :d) AND status = 'pending'"
                " AND provider_department_id = :d ORDER BY id DESC LIMIT 50",
            ),
            "center_overdue": (
                lambda: s.scalars(
                    sharing.list_share_requests(center, overdue_on=today)
                    .order_by(ShareRequest.id.desc())
                    .limit(50)
                ).all(),
                "SELECT * FROM share_requests WHERE status = 'pending' AND due_date < :today"
                " ORDER BY id DESC LIMIT 50",
            ),
        }
        out = {"department_pending": busiest[1]}
        for name, (ours, sql) in cases.items():

            def plain(sql=sql):
                return s.execute(text(sql), {"d": busiest[0], "today": today}).all()

            out[name] = {"ours": summary(timed(ours, repeat)), "plain_sql": None}
            out[name]["plain_sql"] = summary(timed(plain, repeat))
            s.expunge_all()
    return out


if __name__ == "__main__":
    main()
