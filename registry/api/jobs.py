"""/api/v1/jobs: the scheduled jobs, their runs and the scheduler's leader (admin)."""

from flask import current_app
from flask.views import MethodView

from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Nested,
    ResponseSchema,
    String,
)

from ..db import db
from ..errors import NotFound
from ..jobs import JOBS
from ..services import jobs as svc
from .base import Blueprint, signed_in_actor

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="定时任务（管理员）")


class JobSchema(ResponseSchema):
    name = String()
    title = String()
    schedule = String(allow_none=True)
    running = Boolean()
    last_started_at = String(allow_none=True)
    last_finished_at = String(allow_none=True)
    last_outcome = String(allow_none=True)
    last_summary = Dict(allow_none=True)
    last_error = String(allow_none=True)
    consecutive_failures = Integer()
    runs = Integer()
    lag_seconds = Float(allow_none=True)


class LeaderSchema(ResponseSchema):
    holder = String()
    renewed_at = String()
    expires_at = String()
    active = Boolean()


class OverviewSchema(ResponseSchema):
    leader = Nested(LeaderSchema, allow_none=True)
    jobs = List(Nested(JobSchema))


class JobRunSchema(ResponseSchema):
    id = Integer()
    job = String()
    trigger = String()
    holder = String()
    started_at = DateTime()
    finished_at = DateTime()
    outcome = String()
    summary = Dict(allow_none=True)
    error = String(allow_none=True)


class RunResultSchema(ResponseSchema):
    job = String()
    outcome = String()
    summary = Dict(allow_none=True)
    error = String(allow_none=True)
    seconds = Float()


def _job(name: str) -> str:
    if name not in JOBS:
        raise NotFound(f"没有名为 {name} 的任务", code="no_such_job")
    return name


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.response(200, OverviewSchema)
    def get(self):
        """调度主进程与各任务的计划、上次运行、结果与滞后"""
        return svc.jobs_for(db.session, signed_in_actor(), current_app.config)


@blp.route("/jobs/<name>/runs")
class JobRuns(MethodView):
    @blp.response(200, JobRunSchema(many=True))
    def get(self, name: str):
        """任务的运行记录（最近 50 次）"""
        svc.jobs_for(db.session, signed_in_actor(), current_app.config)
        return db.session.scalars(svc.job_history(_job(name))).all()


@blp.route("/jobs/<name>/run")
class RunJob(MethodView):
    @blp.response(200, RunResultSchema)
    def post(self, name: str):
        """立即运行一次（该任务正在别处运行时跳过）；记入审计"""
        return svc.run_now(db.session, signed_in_actor(), current_app._get_current_object(), name)
