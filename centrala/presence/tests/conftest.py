from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(autouse=True)
def warsaw_time(settings):
    """Pin the installation's time zone: day boundaries in these tests are Warsaw midnights."""
    settings.TIME_ZONE = "Europe/Warsaw"


def local(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=WARSAW)


def change(user, status, at):
    """A history row as do_set_presence writes it, at a chosen time."""
    from centrala.presence.models import PresenceChange

    return PresenceChange.objects.create(user=user, status=status, kind=status.kind if status else "", at=at)
