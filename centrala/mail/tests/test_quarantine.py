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


def test_events_for_new_and_continued_cases(inbox, dovecot, sent_events, agent, service,
                                            django_capture_on_commit_callbacks):
    service.agents.add(agent)
    with django_capture_on_commit_callbacks(execute=True):
        dovecot.append(make_message("First", message_id="<one@customer.example>"))
        read_once(inbox)
    case = Case.objects.get()
    assert [e["type"] for e in sent_events] == ["case.created"]
    assert sent_events[0]["payload"]["case_id"] == case.pk and agent.pk in sent_events[0]["users"]
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dovecot.append(make_message("Re: First", "More", in_reply_to="<one@customer.example>"))
        read_once(inbox)
    assert [e["type"] for e in sent_events] == ["activity.changed"]
    payload = sent_events[0]["payload"]
    assert payload["case_id"] == case.pk and payload["kind"] == "email" and payload["change"] == "created"
    assert agent.pk in sent_events[0]["users"]


def test_what_a_failed_message_recorded_in_the_audit_trail_goes_with_it(inbox, dovecot, monkeypatch):
    """In a group the audit entries are written together at the end: those of a message that
    failed half-way (its case made, then rolled back) must not be among them."""
    from centrala.audit.models import AuditEntry
    from centrala.mail import ingest as ingest_module

    real = ingest_module._activity

    def fails_for_the_second(case, inbound, parsed, *args):
        if parsed.subject == "Second":
            raise RuntimeError("disk full")
        return real(case, inbound, parsed, *args)

    monkeypatch.setattr(ingest_module, "_activity", fails_for_the_second)
    dovecot.append(make_message("First", sender="Anna <anna@example.com>"))
    dovecot.append(make_message("Second", sender="Piotr <piotr@example.com>"))
    assert read_once(inbox) == 2  # one group

    first = Case.objects.get()
    assert first.subject == "First"
    assert InboundMessage.objects.get(subject="Second").state == InboundState.QUARANTINED
    audited = set(AuditEntry.objects.values_list("action", "object_repr"))
    assert ("case.create", str(first)) in audited and ("contact.create", "Anna") in audited
    assert {action for action, _repr in audited} == {"case.create", "contact.create", "activity.create"}
    assert AuditEntry.objects.filter(action="case.create").count() == 1
    assert not AuditEntry.objects.filter(action="contact.create", object_repr="Piotr").exists()
