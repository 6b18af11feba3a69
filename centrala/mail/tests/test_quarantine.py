"""A message that cannot be processed is kept with its error; an administrator retries it
(MAIL-01). Events: case.created for a new case, activity.changed on an existing one."""

import pytest
from django.urls import reverse

from centrala.campaigns.models import Campaign
from centrala.cases.models import Case
from centrala.mail.models import InboundMessage, InboundState
from centrala.mail.worker import read_once

from .inbox import inbox, mail_media, make_message  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot


@pytest.fixture
def events(monkeypatch):
    sent = []

    def send_now(event_type, payload, *, users=(), teams=(), roles=()):
        sent.append((event_type, payload, set(users), set(teams), set(roles)))

    monkeypatch.setattr("centrala.realtime.publish.send_now", send_now)
    return sent


def test_failure_is_quarantined_and_retried_after_the_fix(inbox, dovecot, service, client_for, administrator, agent):
    Campaign.objects.filter(pk=service.pk).update(active=False)
    dovecot.append(make_message("Needs a campaign", "Body kept"))
    dovecot.append(make_message("Second", "Also kept"))

    assert read_once(inbox) == 2  # the mailbox goes on
    messages = list(InboundMessage.objects.order_by("uid"))
    assert [m.state for m in messages] == [InboundState.QUARANTINED] * 2
    assert "The campaign “Customer service” is not active." in messages[0].error
    assert not Case.objects.exists()

    c = client_for(administrator)
    page = c.get(reverse("mail:problems")).content.decode()
    assert "Needs a campaign" in page and "is not active" in page and "Retry" in page

    original = c.get(reverse("mail:raw", args=[messages[0].pk]))
    assert original["Content-Disposition"].startswith("attachment")
    assert b"Subject: Needs a campaign" in b"".join(original.streaming_content)
    assert client_for(agent).get(reverse("mail:raw", args=[messages[0].pk])).status_code == 403

    response = c.post(reverse("mail:retry", args=[messages[0].pk]), follow=True)
    assert "Still failing" in response.content.decode()
    messages[0].refresh_from_db()
    assert messages[0].attempts == 2

    Campaign.objects.filter(pk=service.pk).update(active=True)
    response = c.post(reverse("mail:retry", args=[messages[0].pk]), follow=True)
    case = Case.objects.get()
    assert f"Processed: case #{case.pk}." in response.content.decode()
    assert case.activities.get(kind="email").body == "Body kept"
    messages[0].refresh_from_db()
    assert (messages[0].state, messages[0].error) == (InboundState.DONE, "")

    # Retrying something already done is refused clearly.
    response = c.post(reverse("mail:retry", args=[messages[0].pk]), follow=True)
    assert "not waiting for a retry" in response.content.decode()


def test_missing_raw_copy_is_a_clear_error(inbox, client_for, administrator):
    message = InboundMessage.objects.create(mailbox=inbox, uidvalidity=1, uid=9, state=InboundState.QUARANTINED,
                                            raw="mail/raw/missing.eml")
    response = client_for(administrator).post(reverse("mail:retry", args=[message.pk]), follow=True)
    assert "stored copy of this message is missing" in response.content.decode()


def test_events_for_new_and_continued_cases(inbox, dovecot, events, agent, service,
                                            django_capture_on_commit_callbacks):
    service.agents.add(agent)
    with django_capture_on_commit_callbacks(execute=True):
        dovecot.append(make_message("First", message_id="<one@customer.example>"))
        read_once(inbox)
    case = Case.objects.get()
    assert [e[0] for e in events] == ["case.created"]
    assert events[0][1]["case_id"] == case.pk and agent.pk in events[0][2]
    events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dovecot.append(make_message("Re: First", "More", in_reply_to="<one@customer.example>"))
        read_once(inbox)
    assert [e[0] for e in events] == ["activity.changed"]
    payload = events[0][1]
    assert payload["case_id"] == case.pk and payload["kind"] == "email" and payload["change"] == "created"
    assert agent.pk in events[0][2]
