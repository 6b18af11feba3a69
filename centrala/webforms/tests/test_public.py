"""Submitting a web form from a customer's website (WEB-01): what creates a case, what is refused."""

import json
from urllib.parse import urlencode

import pytest

from centrala.cases.models import Case, Source
from centrala.contacts.models import Contact

from .conftest import ORIGIN, submit_url

GOOD = {"first_name": "Ewa", "email": "ewa@example.com", "phone": "601 222 333", "form.vehicle_type": "van",
        "form.pickup_place": "Kraków", "form.pickup_at": "2026-12-01T09:00", "form.return_at": "2026-12-03T18:00"}


def post_json(client, webform, data, origin=ORIGIN, remote_addr="127.0.0.1", **headers):
    if origin:
        headers["Origin"] = origin
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(submit_url(webform), body, content_type="application/json", headers=headers,
                       REMOTE_ADDR=remote_addr)


def counts():
    return Contact.objects.count(), Case.objects.count()


def test_a_submission_from_an_allowed_website_creates_a_contact_and_a_web_case(client, webform, rental):
    answer = post_json(client, webform, GOOD)
    assert answer.status_code == 201
    assert answer.json() == {"ok": True, "message": "Thanks, we will call you."}
    assert answer["Access-Control-Allow-Origin"] == ORIGIN
    case = Case.objects.get()
    assert case.source == Source.WEB and case.campaign == rental and case.status == rental.script.initial_status
    assert case.form_data["vehicle_type"] == "van" and case.form_data["pickup_place"] == "Kraków"
    assert case.form_data["pickup_at"].startswith("2026-12-01T09:00")
    contact = case.contact
    assert contact.first_name == "Ewa"
    assert [e.address for e in contact.emails.all()] == ["ewa@example.com"]
    assert [p.e164 for p in contact.phones.all()] == ["+48601222333"]


def test_a_known_sender_is_matched_and_never_changed(client, webform, make_contact):
    known = make_contact("Ewa", "Nowak", emails=["EWA@example.com"])
    answer = post_json(client, webform, {**GOOD, "first_name": "Mallory"})
    assert answer.status_code == 201
    assert Contact.objects.count() == 1 and Case.objects.get().contact == known
    known.refresh_from_db()
    assert known.first_name == "Ewa"  # an anonymous sender does not rewrite a stored contact
    # ... but what they typed is not lost: it is on the case's timeline for the agent.
    entry = Case.objects.get().activities.get(kind="info", data__field="webform")
    assert entry.data["new"] == webform.name
    assert entry.body.startswith("The sender matched an existing contact, which was not changed.")
    assert "Your name: Mallory" in entry.body and "Phone: 601 222 333" in entry.body


def test_the_cors_preflight_is_answered_for_allowed_websites_only(client, webform):
    answer = client.options(submit_url(webform), headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert answer.status_code == 204 and answer["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in answer["Access-Control-Allow-Methods"] and "Content-Type" in answer["Access-Control-Allow-Headers"]
    answer = client.options(submit_url(webform), headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "Access-Control-Allow-Origin" not in answer


@pytest.mark.parametrize("origin", ["https://evil.example", "http://www.rent-a-van.example", None])
def test_other_websites_are_refused(client, webform, origin):
    before = counts()
    answer = post_json(client, webform, GOOD, origin=origin)
    assert answer.status_code == 403
    assert answer.json()["message"] == ("Refused as a cross-site request (CSRF protection): this website is not "
                                        "among the form's allowed websites.")
    assert "Access-Control-Allow-Origin" not in answer
    assert counts() == before


def test_an_oversized_body_is_refused_before_it_is_read(client, webform):
    before = counts()
    answer = post_json(client, webform, {**GOOD, "form.pickup_place": "x" * 20000})
    assert answer.status_code == 413 and answer.json()["message"] == "The form sent too much data (at most 16 kB)."
    assert counts() == before


def test_a_filled_honeypot_is_refused(client, webform):
    before = counts()
    answer = post_json(client, webform, {**GOOD, "website": "http://spam.example"})
    assert answer.status_code == 400 and answer.json()["message"] == "The submission was not accepted: it looks automated."
    assert counts() == before


def test_too_many_submissions_from_one_visitor_are_refused(client, webform):
    for number in range(3):
        assert post_json(client, webform, {**GOOD, "email": f"ewa{number}@example.com"}).status_code == 201
    before = counts()
    answer = post_json(client, webform, {**GOOD, "email": "ewa9@example.com"})
    assert answer.status_code == 429 and answer.json()["message"] == "Too many submissions. Please try again later."
    assert counts() == before


def test_each_visitor_has_their_own_limit_and_behind_the_proxy_its_address_counts(client, webform, settings):
    for number in range(3):
        assert post_json(client, webform, {**GOOD, "email": f"v{number}@example.com"},
                         remote_addr="10.0.0.1").status_code == 201
    assert post_json(client, webform, {**GOOD, "email": "v9@example.com"}, remote_addr="10.0.0.1").status_code == 429
    assert post_json(client, webform, {**GOOD, "email": "w@example.com"}, remote_addr="10.0.0.2").status_code == 201
    # Behind the TLS proxy every request comes from it: the address it appended is the visitor's,
    # and what the client itself put before it is not believed.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for number in range(3):
        assert post_json(client, webform, {**GOOD, "email": f"p{number}@example.com"}, remote_addr="10.9.9.9",
                         **{"X-Forwarded-For": f"1.2.3.{number}, 192.0.2.7"}).status_code == 201
    assert post_json(client, webform, {**GOOD, "email": "p9@example.com"}, remote_addr="10.9.9.9",
                     **{"X-Forwarded-For": "192.0.2.7"}).status_code == 429
    assert post_json(client, webform, {**GOOD, "email": "q@example.com"}, remote_addr="10.9.9.9",
                     **{"X-Forwarded-For": "192.0.2.8"}).status_code == 201


def test_the_whole_form_has_a_limit_too(client, webform):
    webform.per_ip_per_hour, webform.per_form_per_hour = 100, 2
    webform.save()
    for number in range(2):
        assert post_json(client, webform, {**GOOD, "email": f"a{number}@example.com"},
                         remote_addr=f"10.0.0.{number}").status_code == 201
    assert post_json(client, webform, {**GOOD, "email": "b@example.com"}, remote_addr="10.0.0.9").status_code == 429


def test_invalid_fields_are_refused_with_a_message_per_field(client, webform):
    before = counts()
    answer = post_json(client, webform, {"first_name": "", "email": "not-an-address", "phone": "12",
                                         "form.vehicle_type": "", "form.pickup_place": "A", "form.pickup_at": "x",
                                         "form.return_at": "2026-12-03T18:00"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["ok"] is False and body["message"] == "Please correct the marked fields."
    assert body["errors"] == {
        "first_name": "“Your name” is required.",
        "email": "“not-an-address” is not a valid e-mail address.",
        "phone": "“12” is not a valid phone number.",
        "form.vehicle_type": "“Vehicle” is required.",
    }  # the case form's own checks run only once these pass (nothing is created before)
    assert counts() == before


def test_a_refused_case_leaves_no_contact_behind(client, webform):
    """The contact is created first; when the case is then refused (a choice the form does not
    have), the whole submission is rolled back."""
    before = counts()
    answer = post_json(client, webform, {**GOOD, "form.vehicle_type": "spaceship"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"form.vehicle_type": "“Vehicle type” has no choice “spaceship”."}
    assert counts() == before


def test_unreadable_bodies_and_switched_off_forms_are_refused(client, webform):
    assert post_json(client, webform, "{not json").json()["message"] == "The form data could not be read."
    assert post_json(client, webform, "[1, 2]").status_code == 400
    webform.is_active = False
    webform.save()
    answer = post_json(client, webform, GOOD)
    assert answer.status_code == 410 and answer.json()["message"] == "This form does not accept submissions at the moment."
    assert counts() == (0, 0)
    assert client.post("/forms/f/no-such-form/", "{}", content_type="application/json",
                       headers={"Origin": ORIGIN}).status_code == 403  # unknown keys cannot be probed
    assert client.get("/forms/f/no-such-form/").status_code == 404


def test_the_plain_html_form_gets_a_thank_you_page(client, webform):
    answer = client.post(submit_url(webform), urlencode(GOOD), content_type="application/x-www-form-urlencoded",
                         headers={"Origin": ORIGIN, "Accept": "text/html"})
    assert answer.status_code == 201 and "text/html" in answer["Content-Type"]
    page = answer.content.decode()
    assert "Thank you" in page and "Thanks, we will call you." in page
    assert Case.objects.filter(source=Source.WEB).count() == 1
    answer = client.post(submit_url(webform), urlencode({**GOOD, "email": "bad"}),
                         content_type="application/x-www-form-urlencoded", headers={"Referer": ORIGIN + "/contact/", "Accept": "text/html"})
    assert answer.status_code == 400 and "“bad” is not a valid e-mail address." in answer.content.decode()
    assert f'href="{ORIGIN}/contact/"' in answer.content.decode()


def test_the_json_endpoint_describes_the_form_and_the_script_is_served(client, webform):
    answer = client.get(submit_url(webform), headers={"Origin": ORIGIN})
    fields = answer.json()["fields"]
    assert [f["name"] for f in fields] == ["first_name", "email", "phone", "form.vehicle_type", "form.pickup_place",
                                           "form.pickup_at", "form.return_at"]
    assert fields[0]["label"] == "Your name" and fields[0]["required"] is True
    assert ["van", "Van"] in fields[3]["choices"]
    script = client.get(f"/forms/f/{webform.key}/embed.js")
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    assert f"http://testserver/forms/f/{webform.key}/" in script.content.decode()


def test_a_confirmation_email_is_queued_through_the_campaigns_mailbox(client, webform, rental, smtp_server,
                                                                      django_capture_on_commit_callbacks):
    from centrala.mail import sending
    from centrala.mail.models import OutboundMessage, OutgoingMailbox, Security

    mailbox = OutgoingMailbox.objects.create(name="Desk", from_address="desk@rent.example", host=smtp_server.host,
                                             port=smtp_server.port, security=Security.NONE)
    mailbox.campaigns.add(rental)
    webform.send_confirmation, webform.confirmation_subject = True, "We got your booking"
    webform.confirmation_body = "We will call you within an hour."
    webform.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(client, webform, GOOD).status_code == 201
    outbound = OutboundMessage.objects.get()
    assert outbound.to == ["ewa@example.com"] and outbound.created_by is None
    assert not smtp_server.messages  # sent by the task, not in the request
    assert sending.deliver(outbound.pk) == "sent"
    message = smtp_server.messages[0].message
    case = Case.objects.get()
    assert message["Subject"] == f"We got your booking [#{case.pk}]"
    assert "We will call you within an hour." in message.get_body(("plain",)).get_content()


def test_no_confirmation_is_mailed_to_a_robots_address(client, webform, rental, smtp_server):
    """A bot submitting with a no-reply or MAILER-DAEMON address gets its case, but no e-mail:
    automatic mail to a robot starts loops."""
    from centrala.mail.models import OutboundMessage, OutgoingMailbox, Security

    mailbox = OutgoingMailbox.objects.create(name="Desk", from_address="desk@rent.example", host=smtp_server.host,
                                             port=smtp_server.port, security=Security.NONE)
    mailbox.campaigns.add(rental)
    webform.send_confirmation = True
    webform.save()
    for number, address in enumerate(["no-reply@shop.example", "MAILER-DAEMON@mx.example"]):
        assert post_json(client, webform, {**GOOD, "email": address, "first_name": f"Bot {number}"}).status_code == 201
    assert Case.objects.count() == 2
    assert not OutboundMessage.objects.exists()
