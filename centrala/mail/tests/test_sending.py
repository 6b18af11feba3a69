"""Sending replies through a real SMTP server (aiosmtpd): what arrives, retries and failures."""

import socket

import pytest
from django.conf import settings

from centrala.activities.models import Activity, ActivityKind
from centrala.mail import replies, sending
from centrala.mail.models import AuthMethod, OutboundMessage, OutboundState, Signature

from .replying import PDF, compose_url, incoming, media_root, outbox, rental_case, upload  # noqa: F401


def queued_tasks():
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return []
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path__endswith="send_outbound").order_by("pk"))


def test_a_reply_arrives_with_token_threading_headers_signature_and_attachment(
        agent, client_for, rental_case, incoming, outbox, smtp_server, django_capture_on_commit_callbacks):
    Signature.objects.create(user=agent, text="Anna Agent\nRental desk")
    client = client_for(agent)
    page = client.get(compose_url(rental_case, incoming)).content.decode()
    assert "&gt; My van has a flat tyre." in page  # the e-mail replied to is quoted
    assert 'value="Re: Flat tyre"' in page and 'value="jan.kowalski@example.com"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(compose_url(rental_case), {
            "to": "jan.kowalski@example.com", "cc": "boss@example.com", "subject": "Re: Flat tyre",
            "body": "We send a mechanic today.", "reply_to": incoming.pk, "files": [upload("offer.pdf", PDF)],
        })
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{rental_case.pk}/"
    outbound = OutboundMessage.objects.get()
    assert outbound.state == OutboundState.QUEUED and outbound.mailbox == outbox
    tasks = queued_tasks()
    if tasks:
        assert tasks[0].args_kwargs["args"] == [outbound.pk]
    assert not smtp_server.messages  # nothing is sent inside the request

    assert sending.send_outbound.call(outbound.pk) == OutboundState.SENT
    [received] = smtp_server.messages
    message = received.message
    assert message["Subject"] == f"Re: Flat tyre [#{rental_case.pk}]"
    assert message["Message-ID"].strip() == outbound.message_id and outbound.message_id.endswith("@centrala.example>")
    assert message["In-Reply-To"] == "<first@customer.example>"
    assert message["References"] == "<older@customer.example> <first@customer.example>"
    assert sorted(received.rcpt_tos) == ["boss@example.com", "jan.kowalski@example.com"]
    assert received.mail_from == "rental@centrala.example"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "We send a mechanic today." in text and "-- \nAnna Agent\nRental desk" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "offer.pdf" and attachment.get_content() == PDF

    outbound.refresh_from_db()
    assert outbound.state == OutboundState.SENT and outbound.sent_at and outbound.attempts == 1
    activity = outbound.activity
    assert activity.kind == ActivityKind.EMAIL and activity.case == rental_case
    assert activity.data["direction"] == "out" and activity.data["state"] == "sent"
    assert activity.data["message_id"] == outbound.message_id and activity.data["outbound_id"] == outbound.pk
    assert activity.data["to"] == ["jan.kowalski@example.com"] and activity.data["cc"] == ["boss@example.com"]
    assert [a.name for a in activity.attachments.all()] == ["offer.pdf"]
    # The customer's answer to our reply threads by our Message-ID (what the intake looks up).
    assert OutboundMessage.objects.filter(message_id=message["Message-ID"].strip()).get().case == rental_case


def test_temporary_refusals_are_retried_with_backoff_then_the_failure_shows(
        agent, client_for, rental_case, outbox, smtp_server, sent_events, django_capture_on_commit_callbacks):
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan.kowalski@example.com", subject="Offer",
                                     body="Here it is.")
    smtp_server.refuse(451)  # for good
    for attempt in range(1, sending.MAX_ATTEMPTS):
        with django_capture_on_commit_callbacks(execute=True):
            assert sending.deliver(outbound.pk) == OutboundState.QUEUED
        outbound.refresh_from_db()
        assert outbound.attempts == attempt and outbound.error.startswith("451")
        if queued_tasks():
            retry = queued_tasks()[-1]
            assert retry.run_after is not None and retry.args_kwargs["args"] == [outbound.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.deliver(outbound.pk) == OutboundState.FAILED
    outbound.refresh_from_db()
    assert outbound.attempts == sending.MAX_ATTEMPTS and smtp_server.data_commands == sending.MAX_ATTEMPTS
    assert not smtp_server.messages
    # The timeline shows the failure, its reason and "Send again"; listeners were told each time.
    item = client_for(agent).get(f"/activities/{outbound.activity_id}/").content.decode()
    assert 'data-state="failed"' in item and "451 Test server: message try again later" in item
    assert f'action="/mail/sent/{outbound.pk}/resend/"' in item
    changes = [e for e in sent_events if e["type"] == "activity.changed" and e["payload"]["activity_id"] == outbound.activity_id]
    assert changes and all(e["payload"]["kind"] == "email" for e in changes)

    # Send again once the server accepts: the same message (same Message-ID) goes out.
    smtp_server.accept()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(agent).post(f"/mail/sent/{outbound.pk}/resend/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and 'data-state="queued"' in answer.content.decode()
    assert sending.deliver(outbound.pk) == OutboundState.SENT
    assert smtp_server.messages[0].message["Message-ID"].strip() == outbound.message_id


def test_a_permanent_refusal_fails_at_once(agent, rental_case, outbox, smtp_server, django_capture_on_commit_callbacks):
    outbound = replies.do_send_reply(agent, rental_case.pk, to="nobody@example.com", subject="Offer", body="Text")
    before = len(queued_tasks())
    smtp_server.refuse(550)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.deliver(outbound.pk) == OutboundState.FAILED
    outbound.refresh_from_db()
    assert outbound.attempts == 1 and outbound.error.startswith("550")
    assert len(queued_tasks()) == before  # no retry queued
    assert outbound.activity.data["state"] == "failed" and outbound.activity.data["error"].startswith("550")
    # A message already sent or failed is not sent again by a second delivery of the task.
    assert sending.deliver(outbound.pk) == OutboundState.FAILED and smtp_server.data_commands == 1


def test_a_send_whose_worker_died_fails_visibly_after_a_while_and_can_be_sent_again(
        agent, rental_case, outbox, smtp_server):
    from datetime import timedelta

    from django.utils import timezone

    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    # A worker claimed it, then died before it could finish.
    started = timezone.now()
    OutboundMessage.objects.filter(pk=outbound.pk).update(state=OutboundState.SENDING, attempts=1,
                                                          sending_since=started)
    assert sending.sweep_interrupted(now=started + timedelta(minutes=9)) == 0  # may still be working
    assert sending.sweep_interrupted(now=started + timedelta(minutes=11)) == 1
    outbound.refresh_from_db()
    assert outbound.state == OutboundState.FAILED and "interrupted" in outbound.error
    assert outbound.activity.data["state"] == "failed" and "interrupted" in outbound.activity.data["error"]
    assert not smtp_server.messages  # not resent by itself: the server may have taken it already
    replies.do_resend(agent, outbound.pk)
    assert sending.deliver(outbound.pk) == OutboundState.SENT and len(smtp_server.messages) == 1


def test_the_sweep_leaves_an_attempt_that_finished_meanwhile(agent, rental_case, outbox, smtp_server):
    from datetime import timedelta

    from django.utils import timezone

    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    assert sending.deliver(outbound.pk) == OutboundState.SENT
    assert sending.sweep_interrupted(now=timezone.now() + timedelta(hours=1)) == 0
    outbound.refresh_from_db()
    assert outbound.state == OutboundState.SENT


def test_an_unreachable_server_is_a_temporary_failure(agent, rental_case, outbox):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        outbox.port = sock.getsockname()[1]
    outbox.save()
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    assert sending.deliver(outbound.pk) == OutboundState.QUEUED
    outbound.refresh_from_db()
    assert outbound.error and outbound.attempts == 1
    outbox.refresh_from_db()
    assert outbox.last_error == outbound.error  # administrators see it on the mailbox too


@pytest.mark.parametrize("method", ["password", "xoauth2"])
def test_sending_signs_in_with_a_password_or_an_oauth2_token(method, agent, rental_case, outbox, smtp_server):
    smtp_server.username = "desk"
    if method == "password":
        smtp_server.password = "s3cret"
        outbox.auth_method, outbox.secret = AuthMethod.PASSWORD, "s3cret"
    else:
        smtp_server.token = "ya29.token"
        outbox.auth_method, outbox.secret = AuthMethod.XOAUTH2, "ya29.token"
    outbox.username = "desk"
    outbox.save()
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    assert sending.deliver(outbound.pk) == OutboundState.SENT
    assert len(smtp_server.messages) == 1
    # A wrong secret is refused by the server (535: permanent) and shown.
    outbox.secret = "wrong"
    outbox.save()
    second = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    state = sending.deliver(second.pk)
    second.refresh_from_db()
    assert state == OutboundState.FAILED, second.error
    assert second.error.startswith("535")


@pytest.mark.parametrize("method", ["password", "xoauth2"])
def test_test_connection_signs_in_as_sending_does_and_names_a_refusal(method, outbox, smtp_server):
    from centrala.mail import smtp_check

    smtp_server.username = outbox.username = "desk"
    if method == "password":
        smtp_server.password = outbox.secret = "s3cret"
        outbox.auth_method, refused = AuthMethod.PASSWORD, "The server refused the user name or password for “desk”"
    else:
        smtp_server.token = outbox.secret = "ya29.token"
        outbox.auth_method, refused = AuthMethod.XOAUTH2, "The server refused the OAuth2 access token for “desk”"
    outbox.save()
    assert smtp_check.test_smtp(outbox) == (True, "Connected and signed in.")
    outbox.secret = "wrong"
    ok, text = smtp_check.test_smtp(outbox)
    assert not ok and text.startswith(refused) and "535" in text
    outbox.refresh_from_db()
    assert outbox.last_error == text  # shown on the mailbox page too


def test_the_users_own_mailbox_comes_before_the_campaigns(agent, rental, rental_case, outbox, smtp_server):
    from centrala.mail.models import OutgoingMailbox, Security

    own = OutgoingMailbox.objects.create(name="Anna", from_address="anna@centrala.example", host=smtp_server.host,
                                         port=smtp_server.port, security=Security.NONE)
    own.users.add(agent)
    assert sending.mailbox_for(agent, rental) == own
    own.is_active = False
    own.save()
    assert sending.mailbox_for(agent, rental) == outbox
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Hi", body="Text")
    assert outbound.mailbox == outbox and outbound.activity.data["from"] == "rental@centrala.example"


def test_without_an_outgoing_mailbox_nothing_is_stored_or_queued(agent, client_for, rental_case,
                                                                  django_capture_on_commit_callbacks):
    client = client_for(agent)
    assert 'data-testid="no-mailbox"' in client.get(compose_url(rental_case)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(compose_url(rental_case), {"to": "jan@example.com", "subject": "Hi", "body": "Text"})
    assert answer.status_code == 400
    assert "There is no outgoing mailbox for you or for the campaign “Vehicle rental”" in answer.content.decode()
    assert not OutboundMessage.objects.exists() and not queued_tasks()
    assert not Activity.objects.filter(kind=ActivityKind.EMAIL).exists()


def test_the_customers_answer_to_our_reply_comes_back_to_the_case(agent, rental, rental_case, outbox, smtp_server):
    """The round trip: our Message-ID is what the intake threads the answer by, even when the
    customer's mail program dropped the case number from the subject."""
    from centrala.mail.ingest import ingest
    from centrala.mail.models import IncomingMailbox

    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan.kowalski@example.com", subject="Your offer",
                                     body="Here it is.")
    assert sending.deliver(outbound.pk) == OutboundState.SENT
    sent = smtp_server.messages[0].message
    answer = (
        "From: Jan Kowalski <jan.kowalski@example.com>\r\nTo: rental@centrala.example\r\n"
        "Subject: Thanks\r\nMessage-ID: <answer@customer.example>\r\n"
        f"In-Reply-To: {sent['Message-ID'].strip()}\r\nReferences: {sent['Message-ID'].strip()}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGreat, thanks!\r\n"
    ).encode()
    inbox = IncomingMailbox.objects.create(name="Rental", campaign=rental, host="127.0.0.1", port=143)
    ingest(inbox, 1, 1, answer)
    reply = Activity.objects.get(kind=ActivityKind.EMAIL, data__direction="in")
    assert reply.case == rental_case and reply.body.strip() == "Great, thanks!"
