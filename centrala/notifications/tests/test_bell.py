import pytest

from centrala.notifications.models import Notification

HTMX = {"HTTP_HX_REQUEST": "true"}


def _note(user, title="Note", **fields):
    return Notification.objects.create(recipient=user, kind="test", title=title, **fields)


@pytest.fixture
def notes(agent, home_agent):
    return {
        "mine": _note(agent, "Mine", url="/presence/team/"),
        "mine_plain": _note(agent, "Mine without link"),
        "theirs": _note(home_agent, "Theirs", url="/presence/team/"),
    }


@pytest.mark.parametrize("method, path", [
    ("get", "/notifications/"),
    ("get", "/notifications/panel/"),
    ("get", "/notifications/count/"),
    ("get", "/notifications/1/open/"),
    ("post", "/notifications/1/read/"),
    ("post", "/notifications/read-all/"),
])
def test_anonymous_user_is_sent_to_login(client, db, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_top_bar_shows_the_unread_count(agent, client_for, notes):
    html = client_for(agent).get("/").content.decode()
    assert 'data-testid="bell-count">2</span>' in html


def test_the_panel_lists_only_the_users_own_notifications_and_the_count(agent, client_for, notes):
    response = client_for(agent).get("/notifications/panel/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in html and "Mine without link" in html and "Theirs" not in html
    assert 'id="bell-count" hx-swap-oob="true"' in html and ">2</span>" in html
    assert f"/notifications/{notes['mine'].pk}/open/" in html
    assert "Mark all read" in html


def test_the_panel_of_a_user_without_notifications(home_agent, client_for):
    html = client_for(home_agent).get("/notifications/panel/", **HTMX).content.decode()
    assert "No notifications." in html and "Mark all read" not in html


def test_the_panel_shows_the_twenty_newest(agent, client_for):
    for i in range(25):
        _note(agent, f"Number {i:02d}")
    html = client_for(agent).get("/notifications/panel/", **HTMX).content.decode()
    assert "Number 24" in html and "Number 05" in html and "Number 04" not in html


def test_count_answers_json(agent, client_for, notes):
    response = client_for(agent).get("/notifications/count/")
    assert response.json() == {"unread_count": 2}
    assert "no-cache" in response["Cache-Control"]


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(
    agent, client_for, notes, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).get(f"/notifications/{notes['mine'].pk}/open/")

    assert response.status_code == 302 and response["Location"] == "/presence/team/"
    notes["mine"].refresh_from_db()
    assert notes["mine"].read_at is not None
    assert sent_events[0]["type"] == "notification.unread" and sent_events[0]["users"] == [agent.pk]
    assert sent_events[0]["payload"] == {"unread_count": 1}


def test_opening_a_notification_without_a_link_goes_home(agent, client_for, notes):
    response = client_for(agent).get(f"/notifications/{notes['mine_plain'].pk}/open/")
    assert response["Location"] == "/"


@pytest.mark.parametrize("stored", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_an_external_link_is_never_followed(agent, client_for, stored):
    # do_notify refuses such links; this row stands for data written some other way.
    note = _note(agent, url=stored)
    response = client_for(agent).get(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_another_users_or_unknown_notification_is_404(agent, client_for, notes):
    client = client_for(agent)
    theirs = notes["theirs"].pk
    assert client.get(f"/notifications/{theirs}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs}/read/", **HTMX).status_code == 404
    assert client.get("/notifications/999999/open/").status_code == 404
    assert client.post("/notifications/999999/read/", **HTMX).status_code == 404
    notes["theirs"].refresh_from_db()
    assert notes["theirs"].read_at is None


def test_a_non_numeric_id_is_404(agent, client_for):
    assert client_for(agent).post("/notifications/abc/read/").status_code == 404


def test_mark_read_marks_one_and_returns_the_panel(
    agent, client_for, notes, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(f"/notifications/{notes['mine'].pk}/read/", **HTMX)

    assert response.status_code == 200
    assert 'id="bell-count" hx-swap-oob="true"' in response.content.decode()
    assert Notification.objects.filter(recipient=agent, read_at__isnull=True).count() == 1
    assert [e["payload"] for e in sent_events] == [{"unread_count": 1}]
    assert [e["users"] for e in sent_events] == [[agent.pk]]


def test_mark_all_read_marks_only_the_users_own(agent, client_for, notes):
    response = client_for(agent).post("/notifications/read-all/", **HTMX)

    assert response.status_code == 200 and "Mark all read" not in response.content.decode()
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    notes["theirs"].refresh_from_db()
    assert notes["theirs"].read_at is None


def test_without_htmx_marking_read_goes_back_to_the_list(agent, client_for, notes):
    client = client_for(agent)
    assert client.post(f"/notifications/{notes['mine'].pk}/read/")["Location"] == "/notifications/"
    assert client.post("/notifications/read-all/")["Location"] == "/notifications/"


@pytest.mark.parametrize("method, path", [
    ("get", "/notifications/1/read/"), ("get", "/notifications/read-all/"),
    ("post", "/notifications/panel/"), ("post", "/notifications/1/open/"), ("post", "/notifications/count/"),
])
def test_wrong_http_methods_get_405(agent, client_for, method, path):
    assert getattr(client_for(agent), method)(path).status_code == 405


def test_the_list_shows_own_notifications_and_filters_unread(agent, manager, client_for, notes):
    notes["mine_plain"].read_at = notes["mine_plain"].created_at
    notes["mine_plain"].save(update_fields=["read_at"])
    notes["mine"].created_by = manager
    notes["mine"].save(update_fields=["created_by"])
    client = client_for(agent)

    html = client.get("/notifications/").content.decode()
    assert "Mine" in html and "Mine without link" in html and "Theirs" not in html and "Manager Test" in html

    html = client.get("/notifications/?show=unread").content.decode()
    assert "Mine" in html and "Mine without link" not in html


def test_the_list_pages_and_ignores_a_bad_page_number(agent, client_for):
    for i in range(55):
        _note(agent, f"Number {i:02d}")
    client = client_for(agent)
    assert "Number 04" in client.get("/notifications/?page=2").content.decode()
    assert client.get("/notifications/?page=abc").status_code == 200
    assert client.get("/notifications/?page=999").status_code == 200


def test_the_list_makes_a_fixed_number_of_queries(agent, manager, client_for, django_assert_max_num_queries):
    for i in range(30):
        _note(agent, f"Number {i}", created_by=manager)
    client = client_for(agent)
    with django_assert_max_num_queries(12):
        client.get("/notifications/")
