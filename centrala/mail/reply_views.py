"""Pages of the sending side (MAIL-01): writing an e-mail from a case, "send again", the user's
signature and the managers' reply templates. Thin: parse, call centrala.mail.replies, render."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from centrala.accounts.permissions import get_case_for_user, requires, visible_campaigns
from centrala.activities import files
from centrala.activities.actions import MAX_FILES_PER_UPLOAD
from centrala.activities.templatetags.activities import case_url
from centrala.activities.views import _item
from centrala.cases.models import Case

from . import replies, sending
from .models import OutboundMessage, ReplyTemplate


def _case(user, case_id):
    try:
        return get_case_for_user(user, case_id, related=("campaign", "contact"))
    except Case.DoesNotExist:
        raise Http404(_("No such case, or it is not visible to you.")) from None


def _errors(error):
    """{field: [messages]}; messages about no field in particular under "general"."""
    if hasattr(error, "error_dict"):
        found = dict(error.message_dict)
        if "__all__" in found:
            found["general"] = found.pop("__all__")
        return found
    return {"general": error.messages}


# --- writing ---------------------------------------------------------------------------------------

def _compose_context(request, case, values, errors=None):
    contact_addresses = [e.address for e in case.contact.emails.all()]
    parent = values.get("parent")
    return {
        "case": case, "values": values, "errors": errors or {}, "parent": parent,
        "contact_addresses": contact_addresses,
        "mailbox": sending.mailbox_for(request.user, case.campaign),
        "signature": replies.signature_of(request.user),
        "templates": replies.templates_for(case.campaign),
        "max_upload": filesizeformat(settings.ATTACHMENT_MAX_BYTES), "accepted_types": files.accepted_labels(),
        "accept": files.accept_attribute(), "max_files": MAX_FILES_PER_UPLOAD,
        "card_url": case_url(case.pk),
    }


def _initial(request, case):
    values = {"to": "", "cc": "", "subject": case.subject, "body": "", "reply_to": "", "parent": None}
    addresses = [e.address for e in case.contact.emails.all()]
    if addresses:
        values["to"] = addresses[0]
    reply_to = request.GET.get("reply_to")
    if reply_to:
        try:
            parent = replies.email_parent(case, reply_to)
        except ValidationError:
            raise Http404(_("The e-mail you reply to is not on this case.")) from None
        data = parent.data or {}
        values.update(
            reply_to=str(parent.pk), parent=parent, subject=replies.reply_subject(data.get("subject")) or case.subject,
            to=", ".join(replies.reply_recipients(parent)) or values["to"],
            cc=", ".join(data.get("cc") or []) if data.get("direction") == "out" else "",
            body="\n\n" + replies.quote(parent),
        )
    return values


@csrf_exempt
@requires("send_email")
@require_http_methods(["GET", "POST"])
def compose(request, case_id):
    """The e-mail editor of a case; ?reply_to=<activity id> quotes and threads an e-mail of it.

    The size guard must be installed before the body is read (which the CSRF check would do), so
    the check runs inside, after it, as for the timeline's uploads."""
    guard = None
    refused = None
    if request.method == "POST":
        guard = files.SizeLimitUploadHandler(request, max_bytes=settings.ATTACHMENT_MAX_BYTES)
        request.upload_handlers.insert(0, guard)
        limit = settings.ATTACHMENT_MAX_BYTES * MAX_FILES_PER_UPLOAD + 1024 * 1024
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            refused = _("The e-mail is too large: at most %(count)s files of %(limit)s each.") % {
                "count": MAX_FILES_PER_UPLOAD, "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        else:
            try:
                request.FILES  # noqa: B018 - parse now, with the guard installed
            except MultiPartParserError:
                refused = _("The e-mail could not be read; try again.")
            except (RequestDataTooBig, TooManyFieldsSent):
                refused = _("The form sent too much data; attach fewer or smaller files.")
            except TooManyFilesSent:
                refused = _("Attach at most %(count)s files.") % {"count": MAX_FILES_PER_UPLOAD}
        if refused:
            request._mark_post_parse_error()
    return _compose(request, case_id, guard=guard, refused=refused)


@csrf_protect
def _compose(request, case_id, *, guard, refused):
    case = _case(request.user, case_id)
    if request.method == "GET":
        return render(request, "mail/reply.html", _compose_context(request, case, _initial(request, case)))
    post = request.POST
    values = {key: post.get(key, "") for key in ("to", "cc", "subject", "body", "reply_to")}
    values["parent"] = None
    if values["reply_to"]:
        try:
            values["parent"] = replies.email_parent(case, values["reply_to"])
        except ValidationError:
            pass  # do_send_reply refuses it with the message
    try:
        if refused:
            raise ValidationError({"files": refused})
        replies.do_send_reply(
            request.user, case.pk, to=values["to"], cc=values["cc"], subject=values["subject"], body=values["body"],
            reply_to=values["reply_to"] or None, uploaded_files=request.FILES.getlist("files"),
            too_big=guard.too_big if guard else (),
        )
    except ValidationError as error:
        context = _compose_context(request, case, values, _errors(error))
        return render(request, "mail/reply.html", context, status=400)
    messages.success(request, _("The e-mail is on its way: its state shows in the case's activities."))
    return redirect(case_url(case.pk))


@requires("send_email")
@require_POST
def resend(request, outbound_id):
    """"Send again" on a failed e-mail of the timeline."""
    try:
        outbound = replies.do_resend(request.user, outbound_id)
    except (OutboundMessage.DoesNotExist, Case.DoesNotExist):
        raise Http404(_("No such e-mail, or it is not visible to you.")) from None
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
            return redirect(reverse("activities:case_timeline", args=[_outbound_case(outbound_id)]))
        outbound = OutboundMessage.objects.select_related("activity").get(pk=outbound_id)
        return _item(request, outbound.activity, extra={"notice": " ".join(error.messages)})
    if not request.htmx:
        messages.success(request, _("The e-mail is queued to be sent again."))
        return redirect(reverse("activities:case_timeline", args=[outbound.case_id]))
    return _item(request, outbound.activity)


def _outbound_case(outbound_id):
    return OutboundMessage.objects.filter(pk=outbound_id).values_list("case_id", flat=True).first()


# --- the user's signature ---------------------------------------------------------------------------

@requires("send_email")
@require_http_methods(["GET", "POST"])
def signature(request):
    text = replies.signature_of(request.user)
    errors = {}
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            replies.do_set_signature(request.user, text)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, _("Your signature was saved."))
            return redirect(reverse("mail:signature"))
    return render(request, "mail/signature.html", {"text": text, "errors": errors,
                                                   "max_length": replies.SIGNATURE_MAX},
                  status=400 if errors else 200)


# --- reply templates (managers) -------------------------------------------------------------------

@requires("manage_mail_templates")
def template_list(request):
    templates = ReplyTemplate.objects.select_related("campaign").order_by("campaign__name", "name", "pk")
    return render(request, "mail/templates.html", {"templates": templates})


def _template_form(request, template):
    campaigns = visible_campaigns(request.user).order_by("name")
    values = {
        "name": template.name if template else "", "subject": template.subject if template else "",
        "body": template.body if template else "", "campaign": str(template.campaign_id or "") if template else "",
        "is_active": template.is_active if template else True,
    }
    errors = {}
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "") for key in ("name", "subject", "body", "campaign")}
        values["is_active"] = post.get("is_active") == "1"
        campaign = None
        if values["campaign"]:
            campaign = campaigns.filter(pk=values["campaign"]).first() if values["campaign"].isdigit() else None
            if campaign is None:
                errors["campaign"] = [_("Choose a campaign from the list.")]
        if not errors:
            try:
                replies.do_save_template(request.user, template, name=values["name"], subject=values["subject"],
                                         body=values["body"], campaign=campaign, is_active=values["is_active"])
            except ValidationError as error:
                errors = _errors(error)
            else:
                messages.success(request, _("The reply template was saved."))
                return redirect(reverse("mail:templates"))
    context = {"template": template, "values": values, "errors": errors, "campaigns": campaigns}
    return render(request, "mail/template_form.html", context, status=400 if errors else 200)


@requires("manage_mail_templates")
@require_http_methods(["GET", "POST"])
def template_create(request):
    return _template_form(request, None)


def _template(template_id):
    try:
        return ReplyTemplate.objects.get(pk=template_id)
    except ReplyTemplate.DoesNotExist:
        raise Http404(_("No such reply template.")) from None


@requires("manage_mail_templates")
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id):
    return _template_form(request, _template(template_id))


@requires("manage_mail_templates")
@require_POST
def template_delete(request, template_id):
    template = _template(template_id)
    replies.do_delete_template(request.user, template)
    messages.success(request, _("The reply template “%(name)s” was deleted.") % {"name": template.name})
    return redirect(reverse("mail:templates"))

