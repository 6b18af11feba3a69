"""Administration of web forms (WEB-01): list, create, edit, switch off, preview and embed snippet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from centrala.accounts.permissions import requires
from centrala.campaigns.models import Campaign
from centrala.mail import sending

from . import actions
from .models import WebForm

SETTINGS = ("name", "allowed_origins", "per_ip_per_hour", "per_form_per_hour", "thank_you", "send_confirmation",
            "confirmation_subject", "confirmation_body", "is_active")
DEFAULT_FIELDS = [
    {"name": "first_name", "label": "", "required": False},
    {"name": "last_name", "label": "", "required": False},
    {"name": "email", "label": "", "required": True},
    {"name": "phone", "label": "", "required": False},
]


def _webform(form_id):
    try:
        return WebForm.objects.select_related("campaign__script").get(pk=form_id)
    except WebForm.DoesNotExist:
        raise Http404(_("No such web form.")) from None


def _errors(error):
    return error.message_dict if hasattr(error, "error_dict") else {"general": error.messages}


def snippet(request, webform, *, preview=False):
    """The HTML a website pastes in: the plain form (works without JavaScript) and the script."""
    submit_url = request.build_absolute_uri(reverse("webforms:submit", args=[webform.key]))
    form = render_to_string("webforms/_public_form.html", {
        "fields": actions.public_fields(webform), "submit_url": submit_url, "honeypot": actions.HONEYPOT,
        "preview": preview,
    })
    if preview:
        return form
    script_url = request.build_absolute_uri(reverse("webforms:embed", args=[webform.key]))
    return f'{form}<script src="{script_url}" async></script>\n'


@requires("manage_webforms")
def form_list(request):
    forms = WebForm.objects.select_related("campaign").order_by("name", "pk")
    return render(request, "webforms/list.html", {"forms": forms})


def _rows(campaign, chosen):
    """Every field the campaign offers, with what the form does with it (for the editor)."""
    picked = {f["name"]: (index, f) for index, f in enumerate(chosen)}
    rows = []
    for field in actions.available_fields(campaign):
        index, mine = picked.get(field["name"], (None, None))
        rows.append({**field, "included": mine is not None, "custom_label": (mine or {}).get("label", ""),
                     "required": bool((mine or {}).get("required")),
                     "position": (index + 1) * 10 if index is not None else ""})
    rows.sort(key=lambda r: (not r["included"], r["position"] or 0))
    return rows


def _chosen_from(post, campaign):
    chosen = []
    for field in actions.available_fields(campaign):
        name = field["name"]
        if post.get(f"include:{name}") == "1":
            try:
                position = int(post.get(f"position:{name}") or 0)
            except ValueError:
                position = 0
            chosen.append({"name": name, "label": post.get(f"label:{name}", ""),
                           "required": post.get(f"required:{name}") == "1", "position": position})
    chosen.sort(key=lambda item: item["position"])
    return chosen


@requires("manage_webforms")
@require_http_methods(["GET", "POST"])
def form_create(request):
    campaigns = Campaign.objects.filter(active=True).order_by("name")
    values = {"name": request.POST.get("name", ""), "campaign": request.POST.get("campaign", "")}
    errors = {}
    if request.method == "POST":
        campaign = campaigns.filter(pk=values["campaign"]).first() if values["campaign"].isdigit() else None
        try:
            webform = actions.do_save_webform(
                request.user, None, campaign=campaign, name=values["name"], fields=[
                    {**f, "position": i} for i, f in enumerate(DEFAULT_FIELDS)], allowed_origins="", is_active=False,
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, _(
                "The form was created, switched off: choose its fields and websites, then switch it on."))
            return redirect(reverse("webforms:edit", args=[webform.pk]))
    return render(request, "webforms/create.html", {"campaigns": campaigns, "values": values, "errors": errors},
                  status=400 if errors else 200)


@requires("manage_webforms")
@require_http_methods(["GET", "POST"])
def form_edit(request, form_id):
    webform = _webform(form_id)
    errors = {}
    values = {name: getattr(webform, name) for name in SETTINGS}
    chosen = webform.fields
    if request.method == "POST":
        post = request.POST
        values = {name: post.get(name, "") for name in SETTINGS}
        values.update(send_confirmation=post.get("send_confirmation") == "1", is_active=post.get("is_active") == "1")
        chosen = _chosen_from(post, webform.campaign)
        try:
            actions.do_save_webform(
                request.user, webform, campaign=webform.campaign, name=post.get("name", ""),
                fields=chosen, allowed_origins=post.get("allowed_origins", ""),
                per_ip_per_hour=post.get("per_ip_per_hour"), per_form_per_hour=post.get("per_form_per_hour"),
                thank_you=post.get("thank_you", ""), send_confirmation=post.get("send_confirmation") == "1",
                confirmation_subject=post.get("confirmation_subject", ""),
                confirmation_body=post.get("confirmation_body", ""), is_active=post.get("is_active") == "1",
            )
        except ValidationError as error:
            errors = _errors(error)  # the page shows what was typed, with the messages
            webform.refresh_from_db()
        else:
            messages.success(request, _("The web form was saved."))
            return redirect(reverse("webforms:edit", args=[webform.pk]))
    context = {
        "webform": webform, "errors": errors, "values": values, "rows": _rows(webform.campaign, chosen),
        "snippet": snippet(request, webform),
        "json_url": request.build_absolute_uri(reverse("webforms:submit", args=[webform.key])),
        "campaign_mailbox": sending.mailbox_for(None, webform.campaign),
    }
    return render(request, "webforms/edit.html", context, status=400 if errors else 200)


@requires("manage_webforms")
@require_POST
def form_active(request, form_id):
    webform = _webform(form_id)
    actions.do_set_active(request.user, webform, request.POST.get("active") == "1")
    messages.success(request, _("The form accepts submissions.") if webform.is_active
                     else _("The form is switched off: it no longer accepts submissions."))
    return redirect(reverse("webforms:list"))


@requires("manage_webforms")
def form_preview(request, form_id):
    webform = _webform(form_id)
    context = {"webform": webform, "form_html": snippet(request, webform, preview=True)}
    return render(request, "webforms/preview.html", context)
