"""Writing e-mail from a case: who may, what is refused and why, and how e-mails show on the timeline."""

from centrala.activities.models import Activity, ActivityKind, Attachment
from centrala.audit.models import AuditEntry
from centrala.mail.models import OutboundMessage, ReplyTemplate, Signature

from .replying import (  # noqa: F401
    EXE,
    PDF,
    compose_url,
    incoming,
    media_root,
    outbox,
    rental_case,
    service_case,
    upload,
)


def emails():
    return Activity.objects.filter(kind=ActivityKind.EMAIL, data__direction="out")


def test_a_case_the_agent_cannot_see_is_not_found(agent, client_for, service_case, outbox):
    client = client_for(agent)
    assert client.get(compose_url(service_case)).status_code == 404
    answer = client.post(compose_url(service_case), {"to": "jan@example.com", "subject": "Hi", "body": "Text"})
    assert answer.status_code == 404
    assert not OutboundMessage.objects.exists()


def test_users_without_the_right_to_send_get_403(receptionist, specialist, client_for, rental_case, outbox):
    for user in (receptionist, specialist):
        client = client_for(user)
        assert client.get(compose_url(rental_case)).status_code == 403
        assert client.post(compose_url(rental_case), {"to": "a@example.com", "subject": "s", "body": "b"}).status_code == 403
        assert client.get("/mail/signature/").status_code == 403
    assert not OutboundMessage.objects.exists()
    assert client_for(rental_case.owner).get("/mail/templates/").status_code == 403  # agents: no templates admin


def test_anonymous_users_go_to_sign_in(client, rental_case):
    answer = client.get(compose_url(rental_case))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_bad_input_is_refused_with_clear_messages_and_nothing_is_stored(agent, client_for, rental_case, outbox,
                                                                        media_root):
    client = client_for(agent)
    answer = client.post(compose_url(rental_case), {
        "to": "jan@example, ok@example.com", "cc": "also wrong", "subject": " ", "body": "   ",
    })
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Not a valid e-mail address: jan@example." in page and "Not a valid e-mail address: also wrong." in page
    assert "Enter a subject." in page and "Write the message first." in page
    assert 'value="jan@example, ok@example.com"' in page  # what was typed is kept
    answer = client.post(compose_url(rental_case), {"to": "", "subject": "Hi", "body": "Text"})
    assert "Enter at least one recipient." in answer.content.decode()
    answer = client.post(compose_url(rental_case), {
        "to": "jan@example.com", "subject": "Offer", "body": "See the file",
        "files": [upload("offer.pdf", PDF), upload("virus.pdf", EXE)],
    })
    assert answer.status_code == 400
    assert "“virus.pdf” is not a real PDF file" in answer.content.decode()
    assert not emails().exists() and not OutboundMessage.objects.exists() and not Attachment.objects.exists()
    assert not any((media_root / "attachments").rglob("*.pdf")) if (media_root / "attachments").exists() else True


def test_an_oversized_attachment_is_refused_by_name(agent, client_for, rental_case, outbox, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    answer = client_for(agent).post(compose_url(rental_case), {
        "to": "jan@example.com", "subject": "Offer", "body": "Text", "files": [upload("big.pdf", PDF + b"x" * 2000)],
    })
    assert answer.status_code == 400 and "“big.pdf” is larger than the limit" in answer.content.decode()
    assert not OutboundMessage.objects.exists()


def test_sending_writes_the_audit_trail_and_tells_the_case_audience(agent, client_for, rental_case, outbox,
                                                                     sent_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(agent).post(compose_url(rental_case), {"to": "jan@example.com", "subject": "Offer", "body": "Text"})
    outbound = OutboundMessage.objects.get()
    entry = AuditEntry.objects.get(action="email.send")
    assert entry.actor == agent and entry.object_id == str(outbound.pk)
    [event] = [e for e in sent_events if e["type"] == "activity.changed"]
    assert event["payload"] == {"case_id": rental_case.pk, "activity_id": outbound.activity_id, "kind": "email",
                                "change": "created", "by_user_id": agent.pk}
    assert agent.pk in event["users"] and "manager" in event["roles"]
    assert outbound.subject == f"Offer [#{rental_case.pk}]"  # the token is added once, never twice
    client_for(agent).post(compose_url(rental_case), {"to": "jan@example.com", "subject": outbound.subject, "body": "x"})
    assert OutboundMessage.objects.order_by("-pk").first().subject == f"Offer [#{rental_case.pk}]"


def test_incoming_email_shows_text_first_and_sanitised_html_on_request(agent, client_for, rental_case, incoming,
                                                                       outbox, media_root):
    from django.core.files.base import ContentFile

    logo = Attachment(activity=incoming, name="logo.png", size=10, content_type="image/png", sha256="0" * 64)
    logo.file.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n00"), save=False)
    logo.save()
    incoming.data.update(
        html='<p onclick="steal()">Hello <b>there</b><script>alert(1)</script>'
             '<img src="https://tracker.example/pixel.gif"><img src="cid:logo@x"><a href="javascript:x()">a</a></p>',
        inline={"logo@x": logo.pk},
    )
    incoming.save()
    page = client_for(agent).get(f"/activities/case/{rental_case.pk}/", headers={"HX-Request": "true"}).content.decode()
    item = page[page.index(f'id="activity-{incoming.pk}"'):]
    assert "My van has a flat tyre.<br>Please help." in item  # plain text by default
    assert "Show formatted" in item and "<b>there</b>" in item
    assert "<script" not in item and "tracker.example" not in item and "onclick" not in item
    assert "javascript:" not in item
    assert f'src="/activities/files/{logo.pk}/"' in item  # the inline image, from its attachment
    assert f'href="/mail/case/{rental_case.pk}/write/?reply_to={incoming.pk}"' in item  # Reply
    assert "From: Jan Kowalski &lt;jan.kowalski@example.com&gt;" in item


def test_spam_reasons_and_automatic_senders_are_shown_in_words_in_the_users_language(agent, client_for, rental_case,
                                                                                    incoming, outbox):
    incoming.data.update(automatic="auto-reply", spam_score=7, spam_reasons=[
        {"code": "upstream_flag", "points": 5, "detail": "X-Spam-Flag: YES"},
        {"code": "advertising_words", "points": 2, "detail": "promocja (pl)"},
        {"code": "a_reason_of_a_later_version", "points": 1, "detail": ""},
    ])
    incoming.save()

    def item():
        page = client_for(agent).get(f"/activities/case/{rental_case.pk}/", headers={"HX-Request": "true"})
        text = page.content.decode()
        return text[text.index(f'id="activity-{incoming.pk}"'):]

    shown = item()
    assert "Spam score 7: why" in shown
    assert "The receiving mail server marked it as spam: <span class=\"muted\">X-Spam-Flag: YES</span>" in shown
    assert "Advertising words: <span class=\"muted\">promocja (pl)</span> <span class=\"pill\">+2</span>" in shown
    assert "a_reason_of_a_later_version" in shown  # unknown codes still show
    assert "{&#x27;code&#x27;" not in shown and "{'code'" not in shown
    assert "Sent automatically (auto-reply): never answered automatically." in shown
    agent.language = "pl"
    agent.save(update_fields=["language"])
    shown = item()
    assert "Wynik spamu 7: dlaczego" in shown
    assert "Słowa reklamowe" in shown
    assert "Wysłane automatycznie (autoodpowiedź): nigdy nie odpowiadamy na nie automatycznie." in shown


def test_replying_to_an_email_of_another_case_is_refused(agent, client_for, rental_case, incoming, outbox, rental,
                                                         contact, make_case):
    other = make_case(rental, contact, agent)
    client = client_for(agent)
    assert client.get(compose_url(other, incoming)).status_code == 404
    answer = client.post(compose_url(other), {"to": "jan@example.com", "subject": "Re", "body": "x",
                                              "reply_to": incoming.pk})
    assert answer.status_code == 400 and "The e-mail you reply to is not on this case." in answer.content.decode()
    assert not OutboundMessage.objects.exists()


def test_the_card_offers_writing_an_email(agent, receptionist, client_for, rental_case):
    page = client_for(agent).get(f"/cases/{rental_case.pk}/").content.decode()
    assert f'href="/mail/case/{rental_case.pk}/write/"' in page


def test_users_edit_their_own_signature(agent, client_for):
    client = client_for(agent)
    assert 'href="/mail/signature/"' in client.get("/accounts/profile/").content.decode()
    answer = client.post("/mail/signature/", {"text": "Anna\nRental desk"})
    assert answer.status_code == 302
    assert Signature.objects.get(user=agent).text == "Anna\nRental desk"
    answer = client.post("/mail/signature/", {"text": "x" * 3000})
    assert answer.status_code == 400 and "The signature is too long" in answer.content.decode()
    assert Signature.objects.get(user=agent).text == "Anna\nRental desk"


def test_managers_keep_reply_templates_offered_per_campaign(manager, agent, client_for, rental, service, rental_case,
                                                            outbox):
    client = client_for(manager)
    assert client.post("/mail/templates/new/", {"name": "", "body": ""}).status_code == 400
    assert client.post("/mail/templates/new/", {"name": "Thanks", "body": "Thank you for writing.", "is_active": "1"}).status_code == 302
    assert client.post("/mail/templates/new/", {"name": "Van", "body": "About your van", "campaign": rental.pk, "is_active": "1"}).status_code == 302
    assert client.post("/mail/templates/new/", {"name": "Service", "body": "Service text", "campaign": service.pk, "is_active": "1"}).status_code == 302
    assert client.post("/mail/templates/new/", {"name": "X", "body": "y", "campaign": "999999"}).status_code == 400
    page = client_for(agent).get(compose_url(rental_case)).content.decode()
    assert "Thanks" in page and "About your van" in page and "Service text" not in page
    template = ReplyTemplate.objects.get(name="Thanks")
    assert client.post(f"/mail/templates/{template.pk}/", {"name": "Thanks", "body": "New", "is_active": ""}).status_code == 302
    assert "Thanks" not in client_for(agent).get(compose_url(rental_case)).content.decode()  # inactive
    assert client_for(agent).post(f"/mail/templates/{template.pk}/delete/").status_code == 403
    assert client.post(f"/mail/templates/{template.pk}/delete/").status_code == 302
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()


def test_a_reply_goes_to_the_reply_to_address_when_the_sender_gave_one(agent, client_for, rental_case, incoming,
                                                                      outbox):
    page = client_for(agent).get(compose_url(rental_case, incoming)).content.decode()
    assert 'id="reply-to" name="to" value="jan.kowalski@example.com"' in page  # the bare address
    incoming.data["reply_to"] = "orders@customer.example"
    incoming.save()
    page = client_for(agent).get(compose_url(rental_case, incoming)).content.decode()
    assert 'id="reply-to" name="to" value="orders@customer.example"' in page
