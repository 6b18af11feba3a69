from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def case_url(case_id):
    """The case card (cases:card). Until a deployment has the card, its Activities page stands in,
    so a link to a case never breaks a timeline."""
    try:
        return reverse("cases:card", args=[case_id])
    except NoReverseMatch:
        return reverse("activities:case_timeline", args=[case_id])


@register.filter
def duration(seconds):
    """A call's length as m:ss or h:mm:ss."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@register.filter
def info_label(data):
    """The label of an informational entry in the reader's language (see actions.INFO_LABELS)."""
    from centrala.activities.actions import info_label as label

    return label(data)
