from django import template

from centrala.presence.queries import hours_minutes

register = template.Library()


@register.filter
def hmm(seconds):
    """Seconds as h:mm (work-time report)."""
    return hours_minutes(seconds)


@register.filter
def elapsed(since, now):
    """Time from `since` to `now` as h:mm:ss (team page; the browser keeps it ticking)."""
    if not since or not now:
        return "–"
    seconds = max(0, int((now - since).total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
