from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import ActivityKind
from .queries import TimelineFilters

ORDER_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]


class TimelineFilterForm(forms.Form):
    """Sort and filter of a timeline (ACT-01). Read from GET, or from a POST that re-renders it."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *ActivityKind.choices])
    author = forms.IntegerField(label=_("Author"), required=False, min_value=1)
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDER_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def filters(self):
        """The valid part of the input: a bad value drops only its own filter."""
        data = getattr(self, "cleaned_data", {})
        return TimelineFilters(
            kind=data.get("kind") or "",
            author=data.get("author"),
            newest_first=data.get("order") != "oldest",
        )

    def page_number(self):
        data = getattr(self, "cleaned_data", {})
        return data.get("page") or 1

    def query(self, *, page=None, part=None):
        """The filters as a query string, for "show more" and refresh links."""
        query = QueryDict(mutable=True)
        data = getattr(self, "cleaned_data", {})
        for name in ("kind", "author", "order"):
            if data.get(name):
                query[name] = data[name]
        if page:
            query["page"] = page
        if part:
            query["part"] = part
        return query.urlencode()
