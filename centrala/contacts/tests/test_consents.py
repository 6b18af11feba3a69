"""GDPR consents: every grant and withdrawal is kept with who, when and how."""

import pytest
from django.core.exceptions import ValidationError

from centrala.audit.models import AuditEntry
from centrala.contacts.actions import consent_history, current_consents, do_set_consent
from centrala.contacts.models import ConsentChannel, ConsentEvent


def test_history_keeps_every_grant_and_withdrawal(agent, manager, contact, consent_types):
    marketing = consent_types["marketing"]
    first = do_set_consent(agent, contact, marketing, True, ConsentChannel.PHONE, "Said yes on the call")
    second = do_set_consent(manager, contact, marketing, False, ConsentChannel.EMAIL, "Asked to stop")
    third = do_set_consent(agent, contact, marketing, True, ConsentChannel.DOCUMENT)
    history = consent_history(contact)
    assert [e.pk for e in history] == [third.pk, second.pk, first.pk]
    assert [(e.granted, e.channel, e.recorded_by, e.note) for e in history] == [
        (True, "document", agent, ""), (False, "email", manager, "Asked to stop"),
        (True, "phone", agent, "Said yes on the call"),
    ]
    assert all(e.at is not None for e in history)
    assert AuditEntry.objects.filter(action="contact.consent", object_id=str(contact.pk)).count() == 3


def test_an_event_is_added_only_when_the_state_changes(agent, contact, consent_types):
    marketing = consent_types["marketing"]
    assert do_set_consent(agent, contact, marketing, False, ConsentChannel.PHONE) is None  # never granted
    assert do_set_consent(agent, contact, marketing, True, ConsentChannel.PHONE) is not None
    assert do_set_consent(agent, contact, marketing, True, ConsentChannel.EMAIL) is None
    assert ConsentEvent.objects.count() == 1


def test_current_consents_per_active_type(agent, contact, consent_types, django_assert_max_num_queries):
    do_set_consent(agent, contact, consent_types["phone"], True, ConsentChannel.WEB, "form on the website")
    with django_assert_max_num_queries(2):
        rows = current_consents(contact)
    assert [(r["type"].name, r["granted"]) for r in rows] == [("Marketing by e-mail", False), ("Marketing by phone", True)]
    phone = rows[1]
    assert (phone["by"], phone["channel"], phone["note"]) == (agent, "web", "form on the website")
    assert phone["at"] is not None and rows[0]["at"] is None


def test_inactive_types_are_not_offered_but_their_history_stays(agent, contact, consent_types):
    marketing = consent_types["marketing"]
    do_set_consent(agent, contact, marketing, True, ConsentChannel.PHONE)
    marketing.active = False
    marketing.save()
    assert [r["type"].name for r in current_consents(contact)] == ["Marketing by phone"]
    assert len(consent_history(contact)) == 1
    with pytest.raises(ValidationError) as error:
        do_set_consent(agent, contact, marketing, False, ConsentChannel.PHONE)
    assert "consent_type" in error.value.message_dict


def test_bad_channel_and_long_note_are_refused(agent, contact, consent_types):
    with pytest.raises(ValidationError) as error:
        do_set_consent(agent, contact, consent_types["marketing"], True, "pigeon")
    assert "channel" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        do_set_consent(agent, contact, consent_types["marketing"], True, ConsentChannel.PHONE, "x" * 301)
    assert "note" in error.value.message_dict
    assert not ConsentEvent.objects.exists()
