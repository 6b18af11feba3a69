"""Managers' campaign pages (CMP-01..02): the list, and create/edit with three tabs.

Views parse, call campaigns.actions and render. Scripts and statuses are in script_views.py,
forms and the in-place form editor in form_views.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from centrala.accounts.permissions import requires

from . import actions
from .forms import CampaignAgentsForm, CampaignForm
from .models import CLOSED_TYPES, Campaign, StatusType


def _posted(request):
    return request.POST if request.method == "POST" else None


def _open_cases_by_campaign():
    from centrala.cases.models import Case

    open_cases = Case.objects.filter(is_spam=False).exclude(status__type__in=CLOSED_TYPES)
    return dict(open_cases.values_list("campaign").annotate(n=Count("pk")).order_by())


@requires("manage_campaigns")
@require_GET
def campaign_list(request):
    show = request.GET.get("show", "active")
    campaigns = Campaign.objects.select_related("script__form").annotate(
        agent_count=Count("agents", distinct=True), team_count=Count("teams", distinct=True),
    )
    if show == "active":
        campaigns = campaigns.filter(active=True)
    elif show == "inactive":
        campaigns = campaigns.filter(active=False)
    query = request.GET.get("q", "").strip()
    if query:
        campaigns = campaigns.filter(Q(name__icontains=query) | Q(script__name__icontains=query))
    open_cases = _open_cases_by_campaign()
    items = list(campaigns)
    for campaign in items:
        campaign.open_cases = open_cases.get(campaign.pk, 0)
    return render(request, "campaigns/list.html", {"campaigns": items, "show": show, "query": query})


def _tab_context(campaign, tab):
    return {"object": campaign, "tab": tab}


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    campaign = Campaign()
    form = CampaignForm(_posted(request), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.do_save_campaign(request.user, campaign, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Campaign “%(name)s” was created. Now assign its agents.") % {
                "name": campaign.name
            })
            return redirect("campaigns:agents", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_general.html", {"form": form, "object": None, "tab": "general"},
                  status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def campaign_edit(request, campaign_id):
    campaign = get_object_or_404(Campaign.objects.select_related("script"), pk=campaign_id)
    form = CampaignForm(_posted(request), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_campaign(request.user, campaign, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Campaign “%(name)s” was saved.") % {"name": campaign.name})
            return redirect("campaigns:edit", campaign_id=campaign.pk)
    context = {**_tab_context(campaign, "general"), "form": form}
    return render(request, "campaigns/campaign_general.html", context,
                  status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def campaign_agents(request, campaign_id):
    campaign = get_object_or_404(Campaign.objects.select_related("script"), pk=campaign_id)
    form = CampaignAgentsForm(_posted(request), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_campaign_agents(request.user, campaign, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Agents of “%(name)s” were saved.") % {"name": campaign.name})
            return redirect("campaigns:agents", campaign_id=campaign.pk)
    context = {
        **_tab_context(campaign, "agents"), "form": form,
        "access": actions.campaign_access(campaign),
        "success_statuses": campaign.script.statuses.filter(type=StatusType.SUCCESS, active=True),
    }
    return render(request, "campaigns/campaign_agents.html", context,
                  status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_GET
def campaign_script(request, campaign_id):
    campaign = get_object_or_404(Campaign.objects.select_related("script__initial_status", "script__form"),
                                 pk=campaign_id)
    script = campaign.script
    context = {
        **_tab_context(campaign, "script"), "script": script,
        "statuses": script.statuses.all(),
        "fields": script.form.fields.prefetch_related("choices") if script.form_id else [],
    }
    return render(request, "campaigns/campaign_script.html", context)
