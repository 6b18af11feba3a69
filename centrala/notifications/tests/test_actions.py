import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.functional import lazy

from centrala.audit.models import AuditEntry
from centrala.notifications import actions
from centrala.notifications.models import Notification


def _note(user, title="Old", **fields):
    return Notification.objects.create(recipient=user, kind="test", title=title, **fields)


# --- do_notify ---------------------------------------------------------------------------------

def test_do_notify_gives_each_recipient_one_copy_and_tells_only_them(
    agent, home_agent, manager, sent_events, django_capture_on_commit_callbacks
):
    _note(agent)  # an older unread notification counts in the badge
    with django_capture_on_commit_callbacks(execute=True):
        notes = actions.do_notify([agent, home_agent, agent], kind="test", title="Hello", body="World",
                                  url="/presence/team/", created_by=manager)

    assert sorted(n.recipient_id for n in notes) == sorted([agent.pk, home_agent.pk])
    assert Notification.objects.filter(title="Hello").count() == 2
    assert [e["type"] for e in sent_events] == ["notification.created"] * 2
    by_user = {e["users"][0]: e for e in sent_events}
    assert all(len(e["users"]) == 1 and not e["teams"] and not e["roles"] for e in sent_events)
    assert set(by_user) == {agent.pk, home_agent.pk}
    payload = by_user[agent.pk]["payload"]
    agent_note = next(n for n in notes if n.recipient_id == agent.pk)
    assert payload["id"] == agent_note.pk
    assert payload["title"] == "Hello" and payload["body"] == "World"
    assert payload["url"] == f"/notifications/{agent_note.pk}/open/"
    assert payload["unread_count"] == 2
    assert by_user[home_agent.pk]["payload"]["unread_count"] == 1


def test_do_notify_renders_lazy_text_in_each_recipients_language(make_user, sent_events):
    polish = make_user("pola", language="pl")
    russian = make_user("rita", language="ru")
    current_language = lazy(translation.get_language, str)

    actions.do_notify([polish, russian], kind="test", title=current_language(), body=current_language())

    assert Notification.objects.get(recipient=polish).title == "pl"
    assert Notification.objects.get(recipient=russian).body == "ru"


def test_do_notify_never_stores_a_link_to_another_site(agent, sent_events):
    for url in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        note, = actions.do_notify([agent], kind="test", title="x", url=url)
        assert note.url == ""


def test_do_notify_sends_nothing_when_the_transaction_rolls_back(
    agent, sent_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.do_notify([agent], kind="test", title="Never")
        raise RuntimeError

    assert callbacks == [] and sent_events == []
    assert not Notification.objects.filter(title="Never").exists()


def test_do_notify_makes_the_same_queries_for_one_or_many_recipients(make_user, sent_events):
    users = [make_user(f"user{i}") for i in range(12)]

    with CaptureQueriesContext(connection) as one:
        actions.do_notify(users[:1], kind="test", title="x")
    with CaptureQueriesContext(connection) as many:
        actions.do_notify(users, kind="test", title="x")

    assert len(many) == len(one)


# --- do_mark_read ------------------------------------------------------------------------------

def test_do_mark_read_marks_only_the_users_own_and_publishes_the_new_count(
    agent, home_agent, sent_events, django_capture_on_commit_callbacks
):
    first, second = _note(agent), _note(agent)
    foreign = _note(home_agent)

    with django_capture_on_commit_callbacks(execute=True):
        changed = actions.do_mark_read(agent, [first, foreign])

    assert changed == 1
    first.refresh_from_db(), second.refresh_from_db(), foreign.refresh_from_db()
    assert first.read_at and not second.read_at and not foreign.read_at
    assert sent_events == [
        {"type": "notification.unread", "payload": {"unread_count": 1}, "users": [agent.pk], "teams": [], "roles": []}
    ]


def test_do_mark_read_without_a_list_marks_all_and_is_silent_when_nothing_changes(
    agent, sent_events, django_capture_on_commit_callbacks
):
    _note(agent), _note(agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_mark_read(agent) == 2
        assert actions.do_mark_read(agent) == 0
    assert actions.unread_count(agent) == 0
    assert [e["payload"] for e in sent_events] == [{"unread_count": 0}]


# --- safe_target -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/presence/team/", "/notifications/?show=unread"])
def test_safe_target_keeps_links_inside_centrala(url):
    assert actions.safe_target(url) == url


@pytest.mark.parametrize("url", [
    "", None, "https://evil.example/", "http:/evil.example", "//evil.example", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", " //evil.example", "javascript:alert(1)",
    "data:text/html,x", "evil.example/path", "mailto:a@b.c",
])
def test_safe_target_refuses_everything_else(url):
    assert actions.safe_target(url) == ""


# --- notices -----------------------------------------------------------------------------------

def test_recipients_are_chosen_people_and_active_team_members_each_once(make_user, team_with):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    gone = make_user("gone", is_active=False)
    team = team_with("Sales", alice, bob, gone)

    recipients = actions.recipients_for(users=[alice, carol], teams=[team])

    assert sorted(u.username for u in recipients) == ["alice", "bob", "carol"]
    assert actions.recipients_for() == []


def test_do_send_notice_notifies_audits_once_and_publishes(
    manager, make_user, team_with, sent_events, django_capture_on_commit_callbacks
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    team = team_with("Sales", alice, bob)

    with django_capture_on_commit_callbacks(execute=True):
        notes = actions.do_send_notice(
            manager, title="  Meeting at 3  ", body="Room B", url="/presence/team/", users=[carol], teams=[team]
        )

    assert len(notes) == 3
    assert {n.title for n in notes} == {"Meeting at 3"}
    assert all(n.kind == "notice" and n.created_by == manager and n.url == "/presence/team/" for n in notes)
    entry = AuditEntry.objects.get(action="notification.send")
    assert entry.actor == manager
    assert entry.changes["recipient_count"] == [None, 3]
    assert entry.changes["teams"] == [None, ["Sales"]] and entry.changes["title"] == [None, "Meeting at 3"]
    assert sorted(e["users"][0] for e in sent_events) == sorted([alice.pk, bob.pk, carol.pk])


@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_do_send_notice_refuses_users_without_the_right(make_user, role, agent):
    sender = make_user("sender", role)
    with pytest.raises(PermissionDenied):
        actions.do_send_notice(sender, title="x", users=[agent])
    assert not Notification.objects.exists()


@pytest.mark.parametrize("fields, code", [
    ({"title": "   "}, "title_required"),
    ({"title": "x" * 201}, "title_too_long"),
    ({"url": "https://evil.example/"}, "external_link"),
    ({"url": "/no-such-page/"}, "unknown_link"),
    ({"url": "/" + "a" * 600}, "link_too_long"),
    ({"users": []}, "no_recipients"),
])
def test_do_send_notice_refuses_bad_input(manager, agent, fields, code):
    arguments = {"title": "Hello", "users": [agent], **fields}
    with pytest.raises(ValidationError) as error:
        actions.do_send_notice(manager, **arguments)
    assert error.value.code == code
    assert not Notification.objects.exists() and not AuditEntry.objects.exists()


def test_do_send_notice_to_a_team_without_active_members_is_refused(manager, make_user, team_with):
    team = team_with("Night shift", make_user("sleeper", is_active=False))
    with pytest.raises(ValidationError) as error:
        actions.do_send_notice(manager, title="Hello", teams=[team])
    assert error.value.code == "no_active_recipients"
