"""Working days (工作日) under the official holiday calendar, for share-request deadlines.

The State Council publishes each year's holidays and the weekend days worked in their
place (调休) late in the year before; ``chinese-calendar`` carries them (2004 up to
its release). A county adds or removes days of its own with a local table *(local)*:
``WORKDAY_EXTRA_HOLIDAYS`` and ``WORKDAY_EXTRA_WORKDAYS`` (ISO dates). For a year the
package does not know yet, the calendar falls back to weekends plus the local table
plus New Year's Day (the one holiday fixed by date), and says so once in the log, so a
deadline is never refused, only as good as the table; the county adds that year's
days to the table until the package is updated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config) -> WorkCalendar:
        def dates(key: str) -> frozenset[date]:
            return frozenset(date.fromisoformat(str(v)) for v in config.get(key) or ())

        return cls(dates("WORKDAY_EXTRA_HOLIDAYS"), dates("WORKDAY_EXTRA_WORKDAYS"))

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return _official_workday(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted):
        a request made on a Friday before a holiday week is due counting from the first
        working day after it."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, left = start, days
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5 and (day.month, day.day) != (1, 1)


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning(
        "the official holiday calendar of %s is not known to chinese-calendar: weekends, "
        "New Year's Day and WORKDAY_EXTRA_* are used; add that year's holidays there",
        year,
    )
