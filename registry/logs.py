"""Logs: one line per request and per job run, as JSON (default) or text, to stderr.

``LOG_LEVEL`` and ``LOG_FORMAT`` (``json`` | ``text``) come from configuration. Every
request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a load
balancer's), else a new one; it is returned in the response and on every line logged
while the request runs. Errors are logged with their stack trace; responses never carry
one (api/errors.py answers 500 with a message and a code only).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The attributes every LogRecord has; anything else on a record came through ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_HANDLER_MARK = "_registry_handler"

request_log = logging.getLogger("registry.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["trace"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        text = f"{stamp} {record.levelname} {record.name}: {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def _stamp_request_id(factory):
    """Every record made while a request runs carries its id (whatever logger made it:
    ours, Flask's, a library's), stamped when the record is created."""

    def make(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return record

    make._registry_stamp = True  # type: ignore[attr-defined]
    return make


def configure_logging(config: dict[str, Any]) -> None:
    """The ``registry`` loggers' level and format; one handler however many apps a
    process creates (the tests make hundreds)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_registry_stamp", False):
        logging.setLogRecordFactory(_stamp_request_id(factory))
    logger = logging.getLogger("registry")
    logger.setLevel(str(config.get("LOG_LEVEL", "INFO")).upper())
    formatter = JsonFormatter() if config.get("LOG_FORMAT", "json") == "json" else TextFormatter()
    for handler in logger.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            handler.setFormatter(formatter)
            return
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    logger.addHandler(handler)


def init_app(app: Flask) -> None:
    from . import metrics  # its counters are module-level: imported once, not per request

    configure_logging(app.config)

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _log(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else None
        actor = g.get("actor")
        rule = request.url_rule.rule if request.url_rule is not None else None
        metrics.observe_request(request.method, rule, response.status_code, duration)
        if not request_log.isEnabledFor(logging.INFO):
            return response
        request_log.info(
            "request",
            extra={  # request_id: stamped on every record made in the request
                "user": actor.name if actor is not None and actor.authenticated else None,
                "role": actor.role if actor is not None else None,
                "method": request.method,
                "route": rule,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration, 2) if duration is not None else None,
                "bytes": response.calculate_content_length(),
            },
        )
        return response
