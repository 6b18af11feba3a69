"""The traffic reports page and each report's CSV (capability view_traffic_reports: managers)."""

import csv
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from centrala.accounts.permissions import requires
from centrala.lib.export import Echo

from . import reports as reports_module
from .reports import REPORTS, csv_rows, display_rows

DEFAULT_DAYS = 30
LONGEST_PERIOD_DAYS = 3 * 366


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("To"), widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("The start of the period is after its end."))
            if (end - start).days > LONGEST_PERIOD_DAYS:
                raise ValidationError(_("Choose a period of at most three years."))
        return cleaned


def _period_form(request):
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("start", (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    data.setdefault("end", today.isoformat())
    return PeriodForm(data)


def _report_key(request):
    key = request.GET.get("report") or next(iter(REPORTS))
    if key not in REPORTS:
        raise Http404(_("No such report."))
    return key


@requires("view_traffic_reports")
@require_GET
def reports(request):
    key = _report_key(request)
    form = _period_form(request)
    context = {"form": form, "key": key,
               "tabs": [{"key": name, "label": label} for name, (label, _builder) in REPORTS.items()]}
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report = REPORTS[key][1](start, end)
        context["report"] = report
        context["rows"], context["total"] = display_rows(report, link=_traffic_link)
        context["period_query"] = urlencode({"start": start.isoformat(), "end": end.isoformat()})
        context["never_taken_shown"] = reports_module.NEVER_TAKEN_SHOWN
    return render(request, "dealership/report.html", context, status=200 if form.is_valid() else 400)


def _traffic_link(pk):
    return reverse("dealership:traffic", args=[pk])


@requires("view_traffic_reports")
@require_GET
def report_csv(request, key):
    if key not in REPORTS:
        raise Http404(_("No such report."))
    form = _period_form(request)
    if not form.is_valid():
        errors = " ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    builder = REPORTS[key][1]
    report = builder(start, end, everything=True) if key == "never_taken" else builder(start, end)
    writer = csv.writer(Echo())
    body = "\ufeff" + "".join(writer.writerow(line) for line in csv_rows(report))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="traffic-{key}-{start.isoformat()}-{end.isoformat()}.csv"'
    return response
