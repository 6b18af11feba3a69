"""The Activities tab (ACT-01): what it lists, in which order, filtered how, and who gets in."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from centrala.activities import actions
from centrala.activities.models import Activity, ActivityKind
from centrala.campaigns.models import Status
from centrala.cases.actions import do_update_case

from .conftest import HTMX, PDF, upload


def url(case):
    return f"/activities/case/{case.pk}/"


def ids_in(html):
    return [int(found) for found in re.findall(r'<li class="activity [^"]*" id="activity-(\d+)"', html)]


def set_status(case, actor, name):
    status = Status.objects.get(script=case.campaign.script, name=name)
    return do_update_case(actor, case.pk, base_version=case.version, changes={"status": status})


def test_anonymous_is_sent_to_login(client, rental_case):
    response = client.get(url(rental_case))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_that_do_not_work_cases_get_403(request, role, client_for, rental_case):
    assert client_for(request.getfixturevalue(role)).get(url(rental_case)).status_code == 403


@pytest.mark.parametrize("role", ["agent", "home_agent"])
def test_an_agent_not_assigned_to_the_campaign_gets_404(request, role, client_for, service_case):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url(service_case)).status_code == 404
    assert client.get("/activities/case/999999/").status_code == 404


def test_every_kind_of_activity_is_listed_with_who_and_what(
    rental_case, agent, home_agent, client_for, make_activity
):
    actions.do_add_note(agent, rental_case.pk, "Customer wants a van for the weekend.")
    set_status(rental_case, agent, "Booked")
    actions.do_add_attachments(agent, rental_case.pk, [upload("offer.pdf", PDF)])
    make_activity(rental_case, ActivityKind.EMAIL, "Please confirm the booking.", home_agent,
                  data={"direction": "out", "subject": "Your booking", "from": "rent@example.com",
                        "to": "jan.kowalski@example.com"})
    make_activity(rental_case, ActivityKind.SMS, "See you at 9.", agent,
                  data={"direction": "out", "number": "+48601234567"})
    make_activity(rental_case, ActivityKind.CALL, "", agent, data={"direction": "in", "number": "+48601234567",
                                                                   "duration": 125})

    html = client_for(home_agent).get(url(rental_case)).content.decode()

    assert "Customer wants a van for the weekend." in html
    assert "<strong>Status</strong>: <span class=\"old\">New</span> → <span class=\"new\">Booked</span>" in html
    assert "offer.pdf" in html
    assert "Your booking" in html and "Please confirm the booking." in html and "rent@example.com" in html
    assert "See you at 9." in html
    assert "Duration: 2:05" in html
    assert "Case created" in html
    assert "Agent Test" in html and "Homeagent Test" in html
    kinds = re.findall(r'data-kind="(\w+)"', html)
    assert set(kinds) == {"note", "info", "attachment", "email", "sms", "call"}


def test_times_are_shown_in_the_users_language(rental_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "Hello")
    agent.language = "pl"
    agent.save()
    html = client_for(agent).get(url(rental_case)).content.decode()
    with translation.override("pl"):
        expected = date_format(timezone.localtime(note.created_at), "SHORT_DATETIME_FORMAT")
    with translation.override("en"):
        english = date_format(timezone.localtime(note.created_at), "SHORT_DATETIME_FORMAT")
    assert expected != english
    assert expected in html


def test_newest_first_by_default_and_oldest_first_on_request(rental_case, agent, client_for):
    first = actions.do_add_note(agent, rental_case.pk, "first")
    second = actions.do_add_note(agent, rental_case.pk, "second")
    Activity.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    client = client_for(agent)
    created = Activity.objects.get(case=rental_case, data__field="created")

    newest = ids_in(client.get(url(rental_case)).content.decode())
    assert newest.index(second.pk) < newest.index(first.pk)
    oldest = ids_in(client.get(url(rental_case) + "?order=oldest").content.decode())
    assert oldest.index(first.pk) < oldest.index(second.pk)
    assert oldest == list(reversed(newest))
    assert created.pk in newest


def test_filter_by_kind_and_by_author(rental_case, agent, home_agent, client_for):
    mine = actions.do_add_note(agent, rental_case.pk, "by agent")
    theirs = actions.do_add_note(home_agent, rental_case.pk, "by home agent")
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    actions.do_add_note(home_agent, rental_case.pk, "home agent's remark", parent_id=info.pk)
    client = client_for(agent)

    notes = ids_in(client.get(url(rental_case) + "?kind=note").content.decode())
    assert sorted(notes) == sorted([mine.pk, theirs.pk])
    assert ids_in(client.get(url(rental_case) + "?kind=info").content.decode()) == [info.pk]
    by_home_agent = ids_in(client.get(url(rental_case) + f"?author={home_agent.pk}").content.decode())
    # Their own notes and the entries they added a short note to.
    assert sorted(by_home_agent) == sorted([theirs.pk, info.pk])
    html = client.get(url(rental_case) + f"?kind=note&author={home_agent.pk}").content.decode()
    assert ids_in(html) == [theirs.pk]
    assert f'<option value="{home_agent.pk}" selected>' in html


def test_a_filter_that_matches_nothing_says_so(rental_case, agent, client_for):
    html = client_for(agent).get(url(rental_case) + "?kind=sms").content.decode()
    assert "No activities match the filters." in html


def test_bad_filter_values_are_refused_clearly_and_the_rest_still_applies(rental_case, agent, client_for):
    actions.do_add_note(agent, rental_case.pk, "a note")
    response = client_for(agent).get(url(rental_case) + "?kind=fax&author=abc&order=sideways")
    assert response.status_code == 200  # the timeline still shows, with the complaint
    html = response.content.decode()
    assert "Select a valid choice. fax is not one of the available choices." in html
    assert "Enter a whole number." in html
    assert len(ids_in(html)) == 2


def test_short_notes_are_shown_under_their_entry(rental_case, agent, client_for):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    actions.do_add_note(agent, rental_case.pk, "Checked with the branch.", parent_id=info.pk)
    html = client_for(agent).get(url(rental_case)).content.decode()
    entry = html[html.index(f'id="activity-{info.pk}"'):]
    annotations = re.search(r'<ul class="annotations">(.*?)</ul>', entry, re.DOTALL)
    assert annotations and "Checked with the branch." in annotations.group(1)
    assert ids_in(html) == [info.pk]  # the short note is not an entry of its own


def test_htmx_gets_the_fragment_and_the_page_gets_the_shell(rental_case, agent, client_for):
    client = client_for(agent)
    fragment = client.get(url(rental_case), headers=HTMX).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert f'data-case-id="{rental_case.pk}"' in fragment
    page = client.get(url(rental_case)).content.decode()
    assert "<html" in page and "activities/timeline.js" in page


def test_long_timelines_are_paged(rental_case, agent, client_for, monkeypatch):
    from centrala.activities import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    for number in range(5):
        actions.do_add_note(agent, rental_case.pk, f"note {number}")
    client = client_for(agent)
    html = client.get(url(rental_case)).content.decode()
    assert len(ids_in(html)) == 3 and "Show more" in html
    more = client.get(url(rental_case) + "?page=2&part=items", headers=HTMX).content.decode()
    assert "<section" not in more and len(ids_in(more)) == 3 and "Show more" not in more
    assert not set(ids_in(html)) & set(ids_in(more))


def _fill(case, actor, make_activity, count):
    for number in range(count):
        note = actions.do_add_note(actor, case.pk, f"note {number}")
        actions.do_add_note(actor, case.pk, f"remark {number}", parent_id=note.pk)
        actions.do_add_attachments(actor, case.pk, [upload(f"file{number}.pdf", PDF)])
        make_activity(case, ActivityKind.CALL, "", actor, data={"direction": "in", "duration": 10})


def test_the_number_of_queries_does_not_grow_with_the_activities(rental_case, agent, client_for, make_activity):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(agent)
    _fill(rental_case, agent, make_activity, 3)
    client.get(url(rental_case), headers=HTMX)
    with CaptureQueriesContext(connection) as few:
        client.get(url(rental_case), headers=HTMX)
    _fill(rental_case, agent, make_activity, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(rental_case), headers=HTMX)
    assert len(ids_in(response.content.decode())) == 1 + 9 * 3
    assert len(many) == len(few)
    # session, user, teams, campaigns, case, entries, short notes, files, authors
    assert len(few) == 9, [query["sql"] for query in few.captured_queries]


# --- a contact's activities -----------------------------------------------------------------------

def test_contact_timeline_lists_only_cases_the_user_may_see(
    rental_case, service_case, contact, agent, manager, client_for
):
    visible = actions.do_add_note(agent, rental_case.pk, "rental note")
    hidden = actions.do_add_note(manager, service_case.pk, "service note")
    address = f"/activities/contact/{contact.pk}/"

    agent_ids = ids_in(client_for(agent).get(address).content.decode())
    assert visible.pk in agent_ids and hidden.pk not in agent_ids
    assert all(Activity.objects.get(pk=pk).case_id == rental_case.pk for pk in agent_ids)

    html = client_for(manager).get(address).content.decode()
    assert {visible.pk, hidden.pk} <= set(ids_in(html))
    assert f">#{service_case.pk}</a>" in html  # which case each entry belongs to


def test_contact_timeline_access(client, contact, receptionist, agent, client_for):
    address = f"/activities/contact/{contact.pk}/"
    assert client.get(address).status_code == 302
    assert client_for(receptionist).get(address).status_code == 403
    assert client_for(agent).get("/activities/contact/999999/").status_code == 404


def test_the_activity_list_shows_everything_the_user_may_see(rental_case, service_case, agent, manager, client_for):
    visible = actions.do_add_note(agent, rental_case.pk, "rental note")
    hidden = actions.do_add_note(manager, service_case.pk, "service note")
    agent_ids = ids_in(client_for(agent).get("/activities/?kind=note").content.decode())
    assert agent_ids == [visible.pk]
    assert set(ids_in(client_for(manager).get("/activities/?kind=note").content.decode())) == {visible.pk, hidden.pk}
    assert hidden.pk not in agent_ids


def test_change_labels_are_shown_in_the_readers_language(client_for, agent, rental, contact, make_case):
    from django.utils import translation

    from centrala.campaigns.models import Status
    from centrala.cases.actions import do_update_case

    with translation.override("en"):  # the change is made by someone working in English
        case = make_case(rental, contact, agent)
        do_update_case(agent, case.pk, base_version=case.version,
                       changes={"status": Status.objects.get(script=rental.script, name="Waiting for availability")})
    agent.language = "pl"
    agent.save(update_fields=["language"])
    html = client_for(agent).get(f"/activities/case/{case.pk}/").content.decode()
    assert "<strong>Status</strong>" in html  # "Status" is the same word in Polish
    assert "<strong>Utworzono sprawę</strong>" in html
    assert "Case created" not in html
