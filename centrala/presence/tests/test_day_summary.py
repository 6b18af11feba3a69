"""day_summary: exact seconds per bucket for the awkward days."""

from datetime import date

from centrala.presence.actions import day_bounds, day_summary

from .conftest import WARSAW, change, local

DAY = date(2026, 11, 24)


def test_interval_crossing_midnight_counts_on_both_days(agent, presence_statuses):
    available, on_break = presence_statuses["available"], presence_statuses["break"]
    change(agent, available, local(2026, 11, 23, 22))
    change(agent, on_break, local(2026, 11, 24, 1))
    change(agent, available, local(2026, 11, 24, 1, 30))
    change(agent, None, local(2026, 11, 24, 2))

    now = local(2026, 11, 25, 12)
    assert day_summary([agent], date(2026, 11, 23), now=now)[agent.pk] == {
        "logged_in": 7200, "work": 7200, "break": 0, "statuses": {available.pk: 7200},
    }
    assert day_summary([agent], DAY, now=now)[agent.pk] == {
        "logged_in": 7200, "work": 5400, "break": 1800,
        "statuses": {available.pk: 5400, on_break.pk: 1800},
    }


def test_break_then_work(agent, presence_statuses):
    change(agent, presence_statuses["break"], local(2026, 11, 24, 9))
    change(agent, presence_statuses["back_office"], local(2026, 11, 24, 9, 15))
    change(agent, None, local(2026, 11, 24, 10))

    totals = day_summary([agent], DAY, now=local(2026, 11, 24, 18))[agent.pk]
    assert (totals["logged_in"], totals["work"], totals["break"]) == (3600, 2700, 900)


def test_signed_out_gap_counts_for_nothing(agent, presence_statuses):
    available = presence_statuses["available"]
    change(agent, available, local(2026, 11, 24, 8))
    change(agent, None, local(2026, 11, 24, 12))
    change(agent, available, local(2026, 11, 24, 13))
    change(agent, None, local(2026, 11, 24, 17))

    totals = day_summary([agent], DAY, now=local(2026, 11, 24, 20))[agent.pk]
    assert (totals["logged_in"], totals["work"], totals["break"]) == (8 * 3600, 8 * 3600, 0)


def test_user_still_signed_in_is_counted_up_to_now(agent, presence_statuses):
    change(agent, presence_statuses["available"], local(2026, 11, 24, 8))
    change(agent, presence_statuses["break"], local(2026, 11, 24, 12))

    now = local(2026, 11, 24, 12, 30, 45)
    totals = day_summary([agent], DAY, now=now)[agent.pk]
    assert (totals["logged_in"], totals["work"], totals["break"]) == (14400 + 1845, 14400, 1845)
    # Nothing is counted for a day that has not begun yet.
    assert day_summary([agent], date(2026, 11, 25), now=now)[agent.pk]["logged_in"] == 0


def test_change_days_before_is_still_in_force(agent, presence_statuses):
    # Signed in five days ago and never changed since: the whole day is work.
    change(agent, presence_statuses["available"], local(2026, 11, 19, 10))

    totals = day_summary([agent], DAY, now=local(2026, 11, 26))[agent.pk]
    assert (totals["logged_in"], totals["work"], totals["break"]) == (86400, 86400, 0)


def test_signed_out_before_the_day_began_gives_zeros(agent, presence_statuses):
    change(agent, presence_statuses["available"], local(2026, 11, 23, 8))
    change(agent, None, local(2026, 11, 23, 16))

    assert day_summary([agent], DAY, now=local(2026, 11, 26))[agent.pk] == {
        "logged_in": 0, "work": 0, "break": 0, "statuses": {},
    }


def test_daylight_saving_days_are_23_and_25_hours_long(agent, presence_statuses):
    change(agent, presence_statuses["available"], local(2026, 3, 28, 20))
    change(agent, None, local(2026, 3, 30, 8))
    change(agent, presence_statuses["available"], local(2026, 10, 24, 20))
    change(agent, None, local(2026, 10, 26, 8))

    now = local(2026, 12, 1)
    assert day_summary([agent], date(2026, 3, 29), now=now)[agent.pk]["logged_in"] == 23 * 3600
    assert day_summary([agent], date(2026, 10, 25), now=now)[agent.pk]["logged_in"] == 25 * 3600


def test_kind_is_the_one_at_the_time_of_the_change(agent, presence_statuses):
    back_office = presence_statuses["back_office"]
    change(agent, back_office, local(2026, 11, 24, 9))
    change(agent, None, local(2026, 11, 24, 10))
    back_office.kind = "break"
    back_office.save(update_fields=["kind"])

    totals = day_summary([agent], DAY, now=local(2026, 11, 25))[agent.pk]
    assert (totals["work"], totals["break"]) == (3600, 0)


def test_several_users_in_one_query(agent, home_agent, manager, presence_statuses, django_assert_num_queries):
    change(agent, presence_statuses["available"], local(2026, 11, 24, 9))
    change(home_agent, presence_statuses["break"], local(2026, 11, 23, 23))
    change(home_agent, None, local(2026, 11, 24, 0, 10))

    with django_assert_num_queries(1):
        totals = day_summary([agent, home_agent.pk, manager], DAY, now=local(2026, 11, 24, 10))
    assert totals[agent.pk]["work"] == 3600
    assert totals[home_agent.pk]["break"] == 600
    assert totals[manager.pk] == {"logged_in": 0, "work": 0, "break": 0, "statuses": {}}


def test_day_bounds_are_local_midnights_in_utc():
    start, end = day_bounds(date(2026, 3, 29))
    assert start == local(2026, 3, 29) and end == local(2026, 3, 30)
    assert (end - start).total_seconds() == 23 * 3600
    assert start.tzinfo is not WARSAW
