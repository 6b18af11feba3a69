"""Drafts (BEY-04): what a user typed and did not save comes back when the card is opened again."""

import pytest

from centrala.cases import actions
from centrala.cases.models import CaseDraft

from .card_helpers import card_post


@pytest.fixture
def case(rental, contact, make_case, agent):
    return make_case(rental, contact, agent)


def put_draft(client, case, data):
    return client.post(f"/cases/{case.pk}/draft/", data)


def test_a_draft_is_kept_per_user_and_case(client_for, agent, home_agent, case):
    data = card_post(case, {"subject": "Half-typed", "form.notes": "Line one\r\nline two"},
                     extra={"campaign": "999", "csrfmiddlewaretoken": "x", "then": "close", "q": "kow"})
    assert put_draft(client_for(agent), case, data).status_code == 204
    draft = CaseDraft.objects.get(case=case, user=agent)
    assert draft.base_version == 1
    assert draft.data["subject"] == ["Half-typed"] and draft.data["form.notes"] == ["Line one\nline two"]
    assert "campaign" not in draft.data and "csrfmiddlewaretoken" not in draft.data and "then" not in draft.data
    assert "q" not in draft.data
    assert not CaseDraft.objects.filter(user=home_agent).exists()
    # Typing on: the same draft is updated.
    put_draft(client_for(agent), case, card_post(case, {"subject": "Fully typed"}))
    assert CaseDraft.objects.get(case=case, user=agent).data["subject"] == ["Fully typed"]


def test_opening_the_card_again_restores_the_draft_with_a_notice(client_for, agent, case):
    client = client_for(agent)
    put_draft(client, case, card_post(case, {"subject": "Half-typed", "form.notes": "Blue van",
                                             "form.extras": ["gps"]}))
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-draft-notice data-testid="draft-notice">' in html  # shown, not hidden
    assert "Unsaved changes restored." in html and "Discard draft" in html
    assert 'value="Half-typed"' in html and ">Blue van</textarea>" in html
    assert 'value="gps" form="case-form" checked' in html
    assert 'data-dirty="1"' in html and 'data-has-draft="1"' in html
    assert "Someone saved this case after your draft" not in html


def test_a_card_without_a_draft_has_no_notice(client_for, agent, case):
    html = client_for(agent).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="draft-notice" hidden>' in html and 'data-dirty=""' in html


def test_a_draft_older_than_the_saved_case_keeps_its_version_so_the_save_shows_the_conflict(
        client_for, agent, home_agent, case):
    client = client_for(agent)
    put_draft(client, case, card_post(case, {"subject": "Mine"}))
    actions.do_update_case(home_agent, case.pk, base_version=1, changes={"subject": "Theirs"})
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Someone saved this case after your draft was made" in html
    assert 'name="version" value="1"' in html and 'value="Mine"' in html


def test_discarding_deletes_the_draft(client_for, agent, case):
    client = client_for(agent)
    put_draft(client, case, card_post(case, {"subject": "Half-typed"}))
    assert put_draft(client, case, {"discard": "1"}).status_code == 204
    assert not CaseDraft.objects.exists()
    assert put_draft(client, case, {"discard": "1"}).status_code == 204  # again: still fine


def test_a_draft_needs_the_version_it_was_typed_against(client_for, agent, case):
    client = client_for(agent)
    response = put_draft(client, case, {"subject": "x"})
    assert response.status_code == 400 and "version" in response.json()["detail"]
    assert put_draft(client, case, {"subject": "x", "version": "abc"}).status_code == 400
    assert put_draft(client, case, {"subject": "x", "version": "0"}).status_code == 400
    assert not CaseDraft.objects.exists()


def test_a_huge_draft_is_refused_clearly(client_for, agent, case):
    response = put_draft(client_for(agent), case, {"version": "1", "form.notes": "x" * 200_001})
    assert response.status_code == 400 and "too big" in response.json()["detail"]


def test_a_draft_with_a_broken_original_is_treated_as_typed_against_its_version(client_for, agent, case):
    put_draft(client_for(agent), case, {"version": "1", "original": "{not json", "subject": "Typed"})
    html = client_for(agent).get(f"/cases/{case.pk}/").content.decode()
    assert 'value="Typed"' in html and 'name="version" value="1"' in html


def test_get_is_not_allowed_on_the_draft_endpoint(client_for, agent, case):
    assert client_for(agent).get(f"/cases/{case.pk}/draft/").status_code == 405
