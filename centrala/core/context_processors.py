from centrala.accounts.permissions import can

from .menu import menu_for


def shell(request):
    """What the top bar and the left menu need on every full page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    from centrala.notifications.actions import unread_count
    from centrala.presence.actions import current_presence, selectable_statuses

    context = {
        "menu": menu_for(user, request.path),
        "unread_count": unread_count(user),
        "can_work_cases": can(user, "work_cases"),  # the top bar's "+" (new case) and "go to case"
    }
    if can(user, "use_presence"):
        context["presence_statuses"] = selectable_statuses()
        context["current_presence"] = current_presence(user)
    return context
