from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centrala.core.links import local_path

from . import actions
from .forms import LanguageForm, ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        from centrala.presence.actions import on_sign_in

        response = super().form_valid(form)
        on_sign_in(form.get_user())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        # The form has validated the old and new password; the action saves, clears failed
        # sign-ins and audits. The session survives the new password hash.
        actions.do_set_password(self.request.user, self.request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return redirect(self.get_success_url())


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        from centrala.presence.actions import on_sign_out

        if request.user.is_authenticated:
            on_sign_out(request.user)
        return super().post(request, *args, **kwargs)


@require_POST
def set_language(request):
    """Choose the UI language: kept on the user when signed in, in a cookie otherwise."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown language."))
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        actions.do_set_language(request.user, request.user, language)
    target = local_path(request.POST.get("next", "")) or reverse_lazy("core:home")
    response = redirect(target)
    response.set_cookie(
        "centrala_language", language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=request.is_secure(),
    )
    translation.activate(language)
    return response
