"""Scheduled jobs: what runs, when, and how one run is done (``runner``); the process
that schedules them and the lease that makes one scheduler the leader (``scheduler``).

Every job is a function of the app that returns a small summary (counts); it is
idempotent (running it twice does no harm and no double work), bounded, and calls the
same services as the command line and the API. Schedules are configuration
(``JOB_SCHEDULES``): ``{"interval": seconds}`` or ``{"cron": "m h dom mon dow"}`` in
the county's time zone; a job set to ``None`` is not scheduled (it can still be run by
hand).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from . import tasks


@dataclass(frozen=True)
class Job:
    name: str
    title: str  # shown to people (zh-CN)
    run: Callable[[Flask], dict[str, Any]]
    # Frequent jobs keep a run in the history only when it did something or failed.
    keep_idle_runs: bool = True
    # A run marked as running for longer than this is taken to have died with its process.
    timeout_seconds: int = 3600


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("search_drain", "检索索引同步（发件箱）", tasks.search_drain, False, 600),
        Job("mail_deliver", "邮件发送", tasks.mail_deliver, False, 600),
        Job("sharing_scan", "共享申请逾期、授权到期与提醒", tasks.sharing_scan),
        Job("analysis", "全量数据流分析", tasks.analysis, timeout_seconds=4 * 3600),
        Job("freshness", "资源更新及时性检查", tasks.freshness),
        Job("confirmation_watch", "确认意见所涉目录变更检查", tasks.confirmation_watch),
        Job("audit_verify", "审计链校验", tasks.audit_verify),
        Job("search_check", "检索索引核对与修复", tasks.search_check, timeout_seconds=4 * 3600),
        Job("interface_health", "接口可用性探测", tasks.interface_health, timeout_seconds=1800),
    )
}


def nominal_period(schedule: dict | None) -> float | None:
    """Seconds between two runs as scheduled (a cron line: a day, or a week when it names
    a weekday), for the lag that /healthz reports."""
    if not schedule:
        return None
    if "interval" in schedule:
        return float(schedule["interval"])
    fields = schedule["cron"].split()
    return 7 * 86400.0 if fields[4] != "*" else 86400.0
