"""Working-day deadlines under the official calendar (make-up weekend days count), with
a county's own table on top, and a fallback for years the calendar does not know yet."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from registry.workdays import WorkCalendar

CAL = WorkCalendar()


def test_a_request_made_before_the_spring_festival():
    # 2026: 2-14 (Sat) is worked, 2-15..2-23 off, 2-28 (Sat) worked.
    assert CAL.add_working_days(date(2026, 2, 13), 10) == date(2026, 3, 5)
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_a_request_made_before_national_day():
    # 2026: 10-1..10-7 off, 10-10 (Sat) worked.
    assert CAL.add_working_days(date(2026, 9, 29), 10) == date(2026, 10, 19)
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_across_a_make_up_weekend_day():
    # 2026-09-20 is a Sunday worked in lieu of National Day; 9-25..9-27 Mid-autumn.
    assert CAL.add_working_days(date(2026, 9, 18), 2) == date(2026, 9, 21)
    assert CAL.is_working_day(date(2026, 9, 20)) and not CAL.is_working_day(date(2026, 9, 19))
    assert CAL.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_a_county_table_adds_and_removes_days():
    local = WorkCalendar(
        extra_holidays=frozenset({date(2026, 3, 3)}),  # a local festival
        extra_workdays=frozenset({date(2026, 3, 7)}),  # a Saturday worked locally
    )
    assert CAL.add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)
    assert local.add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)  # one out, one in
    assert local.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)
    assert WorkCalendar.from_config(
        {"WORKDAY_EXTRA_HOLIDAYS": ["2026-03-03"], "WORKDAY_EXTRA_WORKDAYS": []}
    ) == WorkCalendar(extra_holidays=frozenset({date(2026, 3, 3)}))


def test_a_year_the_calendar_does_not_know_falls_back(caplog):
    # 2026-12-24 (Thu) + 10: 12-25, 28, 29, 30, 31, 2027-1-4 (1-1 is New Year's Day), 5, 6, 7, 8
    assert CAL.add_working_days(date(2026, 12, 24), 10) == date(2027, 1, 8)


@given(st.dates(date(2005, 1, 1), date(2027, 12, 31)), st.integers(0, 40))
def test_deadlines_are_working_days_that_far_ahead(start, days):
    due = CAL.add_working_days(start, days)
    assert CAL.working_days_between(start, due) == days
    if days:
        assert CAL.is_working_day(due)
        # and the day before the deadline leaves one more to go
        assert CAL.working_days_between(start, due - timedelta(days=1)) == days - 1
