"""The public side of web forms (WEB-01): the embed script, the form's description and the
submission endpoint, called from customers' websites.

No session and no CSRF token can exist there, so these views are CSRF-exempt; instead a request
must come from one of the form's allowed websites (the browser's Origin header, or for a plain
form post from an older browser its Referer). CORS preflights are answered for those websites
only. Answers are JSON with messages a visitor can act on; a plain HTML form post (no JavaScript)
gets a simple HTML page instead.
"""

import json
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from centrala.lib.requests import client_ip

from . import actions
from .models import WebForm


def _webform(key):
    try:
        return WebForm.objects.select_related("campaign__script").get(key=key)
    except WebForm.DoesNotExist:
        raise Http404(_("No such form.")) from None


def request_origin(request):
    """The website a request comes from: its Origin header, else the origin of its Referer."""
    origin = request.headers.get("Origin", "")
    if origin and origin != "null":
        return origin
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else ""


def _cors(response, request, webform):
    origin = request.headers.get("Origin", "")
    if actions.origin_allowed(webform, origin):
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def _wants_html(request):
    content_type = request.content_type or ""
    return content_type != "application/json" and "text/html" in request.headers.get("Accept", "")


def _answer(request, webform, status, *, message, errors=None, html_template="webforms/public_result.html"):
    if _wants_html(request):
        response = render(request, html_template, {
            "webform": webform, "message": message, "errors": errors or {}, "ok": status < 400,
            "back": _back_link(request),
        }, status=status)
    else:
        body = {"ok": status < 400, "message": message}
        if errors:
            body["errors"] = errors
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return _cors(response, request, webform)


def _back_link(request):
    referer = request.headers.get("Referer", "")
    return referer if urlsplit(referer).scheme in ("http", "https") else ""


def _too_much():
    return _("The form sent too much data (at most %(kb)s kB).") % {"kb": actions.MAX_BODY_BYTES // 1024}


def _read(request):
    """The submitted values, or actions.Refused for a body too large or unreadable."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > actions.MAX_BODY_BYTES:
        raise actions.Refused(_too_much(), 413)
    if request.content_type == "multipart/form-data":  # a form someone gave enctype=multipart
        try:
            return {key: (values if len(values) > 1 else values[0]) for key, values in request.POST.lists()}
        except Exception:  # noqa: BLE001 - any parse failure is the sender's unreadable form
            raise actions.Refused(_("The form data could not be read."), 400) from None
    body = request.read(actions.MAX_BODY_BYTES + 1)
    if len(body) > actions.MAX_BODY_BYTES:
        raise actions.Refused(_too_much(), 413)
    if request.content_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            raise actions.Refused(_("The form data could not be read."), 400) from None
        if not isinstance(data, dict):
            raise actions.Refused(_("The form data could not be read."), 400)
        return data
    if request.content_type in ("application/x-www-form-urlencoded", ""):
        query = QueryDict(body, encoding="utf-8")
        return {key: (values if len(values) > 1 else values[0]) for key, values in query.lists()}
    raise actions.Refused(_("Send the form as JSON or as an ordinary form post."), 415)


@csrf_exempt
@require_http_methods(["GET", "POST", "OPTIONS"])
def submit(request, key):
    """GET: the form's fields as JSON. OPTIONS: the CORS preflight. POST: a submission."""
    webform = WebForm.objects.select_related("campaign__script").filter(key=key).first()
    if request.method == "POST":
        # The origin is checked before "no such form" is said, so other websites cannot probe keys.
        try:
            actions.check_origin(webform, request_origin(request))
        except actions.Refused as refused:
            response = JsonResponse({"ok": False, "message": refused.message}, status=refused.status)
            response["Vary"] = "Origin"
            return response
    if webform is None:
        raise Http404(_("No such form."))
    if request.method == "OPTIONS":
        if not actions.origin_allowed(webform, request.headers.get("Origin", "")):
            return _cors(HttpResponse(status=403), request, webform)
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "3600"
        return _cors(response, request, webform)
    if request.method == "GET":
        if not webform.is_active:
            return _answer(request, webform, 410, message=_("This form does not accept submissions at the moment."))
        return _cors(JsonResponse({"fields": actions.public_fields(webform), "honeypot": actions.HONEYPOT}),
                     request, webform)
    try:
        data = _read(request)
        ip = client_ip(request)
        actions.check_rate(webform, ip)
        actions.do_submit(webform, data, ip=ip)
    except actions.Refused as refused:
        return _answer(request, webform, refused.status, message=refused.message)
    except ValidationError as error:
        errors = {key: " ".join(messages) for key, messages in error.message_dict.items()}
        return _answer(request, webform, 400, message=_("Please correct the marked fields."), errors=errors)
    thanks = webform.thank_you or _("Thank you! We received your message and will get back to you.")
    return _answer(request, webform, 201, message=thanks)


@require_GET
def embed_script(request, key):
    """The script of the embed snippet: it sends the form next to it as JSON and shows the answer."""
    webform = _webform(key)
    config = json.dumps({"url": request.build_absolute_uri(reverse("webforms:submit", args=[webform.key])),
                         "sending": _("Sending…"), "failed": _("The form could not be sent. Please try again.")})
    script = render_to_string("webforms/embed.js", {"config": config.replace("<", "\\u003c")})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # a script anyone may load; it holds nothing secret
    return response
