"""The shell (top bar and menu) is rendered on every full page, so its cost must stay small and fixed."""

from django.test import RequestFactory

from centrala.core.context_processors import shell
from centrala.notifications.models import Notification
from centrala.presence.actions import do_set_presence
from centrala.presence.models import PresenceKind, PresenceStatus


def _load_up(user, presence_statuses):
    """Enough rows that a query per notification, status or menu entry would show."""
    Notification.objects.bulk_create(Notification(recipient=user, kind="k", title=f"n{i}") for i in range(30))
    PresenceStatus.objects.bulk_create(
        PresenceStatus(name=f"Extra {i}", kind=PresenceKind.WORK, position=10 + i) for i in range(10)
    )
    do_set_presence(user, presence_statuses["break"])


def test_a_full_page_costs_three_queries_besides_the_session(client_for, receptionist, presence_statuses,
                                                             django_assert_num_queries):
    # A receptionist's home page is the shell alone (people who work cases get a dashboard
    # there, whose own cost is checked in test_dashboard.py).
    client = client_for(receptionist)
    _load_up(receptionist, presence_statuses)
    # session + user, then the bell's count, the statuses and the user's own status
    with django_assert_num_queries(5):
        response = client.get("/")
    assert response.status_code == 200
    assert response.context["unread_count"] == 30
    assert response.context["current_presence"].status == presence_statuses["break"]
    assert len(response.context["presence_statuses"]) == 13


def test_htmx_fragments_and_anonymous_requests_get_no_shell(agent, presence_statuses, django_assert_num_queries):
    request = RequestFactory().get("/", headers={"HX-Request": "true"})
    request.user, request.htmx = agent, True
    with django_assert_num_queries(0):
        assert shell(request) == {}
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user, request.htmx = AnonymousUser(), False
    with django_assert_num_queries(0):
        assert shell(request) == {}
