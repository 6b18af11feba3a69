"""Administrators' mail pages (MAIL-01..02): mailboxes with "Test connection", and mail problems.

Secrets are never rendered: the forms use a password input that is always empty, and the lists
show only whether a secret is stored.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centrala.accounts.permissions import requires

from . import imap, smtp_check
from .ingest import do_retry
from .mailbox_actions import do_save_mailbox
from .mailbox_forms import IncomingMailboxForm, OutgoingMailboxForm
from .models import IncomingMailbox, InboundMessage, InboundState, OutgoingMailbox

KINDS = {
    "in": (IncomingMailbox, IncomingMailboxForm, imap.test_connection),
    "out": (OutgoingMailbox, OutgoingMailboxForm, smtp_check.test_smtp),
}


@requires("manage_mailboxes")
@require_GET
def mailboxes(request):
    incoming = IncomingMailbox.objects.select_related("campaign")
    outgoing = OutgoingMailbox.objects.prefetch_related("users", "campaigns")
    problems = InboundMessage.objects.filter(state=InboundState.QUARANTINED).count()
    return render(request, "mail/mailboxes.html", {"incoming": incoming, "outgoing": outgoing, "problems": problems})


def _edit(request, kind, mailbox):
    model, form_class, tester = KINDS[kind]
    heading = str(mailbox.name) if mailbox.pk else ""
    form = form_class(request.POST if request.method == "POST" else None, instance=mailbox)
    test_result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if "test" in request.POST:
                ok, text = tester(form.candidate())
                test_result = {"ok": ok, "text": text}  # an answer, not a form error: 200 either way
            else:
                m2m = form.m2m() if hasattr(form, "m2m") else None
                try:
                    saved = do_save_mailbox(request.user, mailbox, form.values(),
                                            secret=form.cleaned_data.get("new_secret") or "", m2m=m2m)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                    status = 400
                else:
                    messages.success(request, _("Mailbox “%(name)s” saved.") % {"name": saved.name})
                    return redirect("mail:mailboxes")
        else:
            status = 400
    context = {"form": form, "mailbox": mailbox, "kind": kind, "heading": heading, "test_result": test_result,
               "has_secret": bool(mailbox.pk and mailbox.secret)}
    return render(request, "mail/mailbox_form.html", context, status=status)


@requires("manage_mailboxes")
def mailbox_create(request, kind):
    if kind not in KINDS:
        return redirect("mail:mailboxes")
    return _edit(request, kind, KINDS[kind][0]())


@requires("manage_mailboxes")
def mailbox_edit(request, kind, mailbox_id):
    if kind not in KINDS:
        return redirect("mail:mailboxes")
    return _edit(request, kind, get_object_or_404(KINDS[kind][0], pk=mailbox_id))


@requires("manage_mailboxes")
@require_POST
def mailbox_test(request, kind, mailbox_id):
    """Test the saved settings of a mailbox from the list."""
    if kind not in KINDS:
        return redirect("mail:mailboxes")
    model, _form, tester = KINDS[kind]
    mailbox = get_object_or_404(model, pk=mailbox_id)
    ok, text = tester(mailbox)
    (messages.success if ok else messages.error)(request, f"{mailbox.name}: {text}")
    return redirect("mail:mailboxes")


STATE_TABS = [
    (InboundState.QUARANTINED, InboundState.QUARANTINED.label),
    (InboundState.IGNORED, InboundState.IGNORED.label),
]


@requires("manage_mailboxes")
@require_GET
def problems(request):
    state = request.GET.get("state") or InboundState.QUARANTINED
    if state not in dict(STATE_TABS):
        state = InboundState.QUARANTINED
    rows = InboundMessage.objects.filter(state=state).select_related("mailbox").order_by("-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "mail/problems.html", {"page": page, "state": state, "tabs": STATE_TABS})


@requires("manage_mailboxes")
@require_POST
def retry(request, inbound_id):
    inbound = get_object_or_404(InboundMessage, pk=inbound_id)
    try:
        inbound = do_retry(request.user, inbound.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if inbound.state == InboundState.QUARANTINED:
            messages.error(request, _("Still failing: %(error)s") % {"error": inbound.error})
        elif inbound.case_id:
            messages.success(request, _("Processed: case #%(case)s.") % {"case": inbound.case_id})
        else:
            messages.success(request, _("Processed: %(state)s.") % {"state": inbound.get_state_display()})
    return redirect("mail:problems")


@requires("manage_mailboxes")
@require_GET
def raw(request, inbound_id):
    """The message exactly as received, for an administrator to inspect (always a download)."""
    inbound = get_object_or_404(InboundMessage, pk=inbound_id)
    try:
        handle = inbound.raw.open("rb")
    except (OSError, ValueError):
        raise Http404(_("The stored copy of this message is missing.")) from None
    return FileResponse(handle, as_attachment=True, filename=f"message-{inbound.pk}.eml",
                        content_type="message/rfc822")
