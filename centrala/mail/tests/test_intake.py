"""Mail becomes cases: APPEND to a real Dovecot, read it, find the cases (MAIL-01, CASE-03)."""

import pytest

from centrala.activities.models import Activity, ActivityKind
from centrala.cases.models import Case, Source
from centrala.contacts.models import ContactEmail, ContactField
from centrala.mail.imap import KEYWORD
from centrala.mail.models import InboundMessage, InboundState
from centrala.mail.worker import read_once

from .inbox import inbox, mail_media, make_message  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot


def test_new_message_becomes_a_case_with_a_new_contact(inbox, dovecot, service):
    uid = dovecot.append(make_message("Broken car", "My car does not start.\nPlease help."))

    assert read_once(inbox) == 1

    case = Case.objects.get()
    assert case.source == Source.EMAIL
    assert case.campaign == service
    assert case.status == service.script.initial_status
    assert case.subject == "Broken car"
    assert case.contact.first_name == "Anna" and case.contact.last_name == "Nowak"
    assert list(case.contact.emails.values_list("address", flat=True)) == ["anna@example.com"]
    email = case.activities.get(kind=ActivityKind.EMAIL)
    assert email.body == "My car does not start.\nPlease help."
    assert email.data["direction"] == "in"
    assert email.data["from"] == "Anna Nowak <anna@example.com>"
    assert email.data["to"] == ["service@centrala.test"]
    assert email.author is None
    inbound = InboundMessage.objects.get()
    assert (inbound.state, inbound.case, inbound.activity) == (InboundState.DONE, case, email)
    assert inbound.raw.read().startswith(b"From: Anna Nowak")
    # Handled on the server only now, after the commit.
    assert {KEYWORD, "\\Seen"} <= dovecot.flags(uid)
    # Reading again takes nothing twice.
    assert read_once(inbox) == 0
    assert Case.objects.count() == 1


def test_a_required_contact_field_does_not_stop_a_new_senders_mail(inbox, dovecot, service):
    """Required further fields are for people saving a contact card: the contact a new sender's
    mail makes is completed by the agent later, so the mail is not quarantined for it."""
    ContactField.objects.create(key="customer_no", label="Customer number", required=True)
    dovecot.append(make_message("Broken car", "It does not start."))

    assert read_once(inbox) == 1
    assert InboundMessage.objects.get().state == InboundState.DONE
    case = Case.objects.get()
    assert case.contact.extra == {}
    assert list(case.contact.emails.values_list("address", flat=True)) == ["anna@example.com"]


def test_known_sender_keeps_their_contact(inbox, dovecot, contact):
    dovecot.append(make_message(sender="Jan <JAN.KOWALSKI@example.com>"))
    read_once(inbox)
    assert Case.objects.get().contact == contact
    assert ContactEmail.objects.count() == 1


def test_replies_by_token_and_by_in_reply_to_join_the_case(inbox, dovecot):
    first_id = "<first@customer.example>"
    dovecot.append(make_message("Broken car", message_id=first_id))
    read_once(inbox)
    case = Case.objects.get()

    dovecot.append(make_message(f"Re: Broken car [#{case.pk}]", "Any news?", sender="Other <other@example.org>"))
    dovecot.append(make_message("Something else", "Still waiting", in_reply_to=first_id))
    dovecot.append(make_message("A new problem", "Different issue"))
    read_once(inbox)

    assert Case.objects.count() == 2
    bodies = sorted(case.activities.filter(kind=ActivityKind.EMAIL).values_list("body", flat=True))
    assert bodies == ["Any news?", "My car does not start.", "Still waiting"]
    other = Case.objects.exclude(pk=case.pk).get()
    assert other.activities.get(kind=ActivityKind.EMAIL).body == "Different issue"


def test_an_answer_follows_an_email_an_agent_moved_to_another_case(inbox, dovecot, manager, make_case, contact,
                                                                     service):
    from centrala.activities.actions import do_move_activity

    dovecot.append(make_message("Broken car", message_id="<first@customer.example>"))
    read_once(inbox)
    wrong = Case.objects.get()
    right = make_case(service, contact)
    do_move_activity(manager, wrong.activities.get(kind=ActivityKind.EMAIL).pk, right.pk)

    dovecot.append(make_message("Re: Broken car", "Any news?", in_reply_to="<first@customer.example>"))
    read_once(inbox)
    assert right.activities.get(kind=ActivityKind.EMAIL, body="Any news?")
    assert not wrong.activities.filter(kind=ActivityKind.EMAIL).exists()


def test_token_of_another_campaigns_case_needs_the_contacts_address(inbox, dovecot, rental, make_case, contact):
    foreign = make_case(rental, contact)
    dovecot.append(make_message(f"Re: [#{foreign.pk}]", "From a stranger", sender="x@spam.example"))
    dovecot.append(make_message(f"Re: [#{foreign.pk}]", "From Jan", sender="jan.kowalski@example.com"))
    read_once(inbox)
    assert foreign.activities.filter(kind=ActivityKind.EMAIL).get().body == "From Jan"
    assert Case.objects.exclude(pk=foreign.pk).get().activities.get(kind=ActivityKind.EMAIL).body == "From a stranger"


def test_same_message_id_twice_makes_one_case(inbox, dovecot):
    raw = make_message(message_id="<dup@customer.example>")
    dovecot.append(raw)
    dovecot.append(raw)
    read_once(inbox)
    assert Case.objects.count() == 1
    states = sorted(InboundMessage.objects.values_list("state", flat=True))
    assert states == [InboundState.DONE, InboundState.IGNORED]
    assert Activity.objects.filter(kind=ActivityKind.EMAIL).count() == 1
