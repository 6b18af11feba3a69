"""The user's own profile and API tokens.

A new token is shown in the response to the POST that created it and nowhere else: it is not
put in the session or a message, and the page is not cached, so it cannot be shown twice.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.api import actions as token_actions
from centrala.api.forms import TokenForm
from centrala.api.models import ApiToken

from .permissions import login_required


def _render(request, *, form=None, new_token=None, created=None):
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "form": form or TokenForm(),
        "new_token": new_token,
        "created": created,
        "teams": request.user.teams.all(),
        "language_choices": settings.LANGUAGES,
    }
    template = "accounts/profile.html#tokens" if request.htmx else "accounts/profile.html"
    return render(request, template, context)


def _own_token(user, token_id):
    try:
        return token_actions.get_token_for_user(user, token_id)
    except ApiToken.DoesNotExist:
        raise Http404(_("You have no API token with this id.")) from None


@login_required
@require_GET
@never_cache
def profile(request):
    return _render(request)


@login_required
@require_POST
@never_cache
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = token_actions.do_create_token(
                request.user, request.user,
                form.cleaned_data["name"], form.cleaned_data["expires_in_days"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _render(request, new_token=raw, created=token)
    return _render(request, form=form)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def token_revoke(request, token_id):
    token = _own_token(request.user, token_id)
    if request.method == "POST":
        names = {"name": token.name}
        if token_actions.do_revoke_token(request.user, token):
            messages.success(request, _("The API token “%(name)s” was revoked.") % names)
        else:
            messages.info(request, _("The API token “%(name)s” was already revoked.") % names)
        return redirect("accounts:profile")
    return render(request, "accounts/profile_token_revoke.html", {"token": token})
