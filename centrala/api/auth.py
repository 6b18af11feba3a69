"""Who is calling the API: a bearer token (programs) or the browser session (Centrala's own pages).

A request that presents a token is judged by the token alone: a bad token is a 401 with the
reason, never a silent fall-back to the session cookie.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from . import actions
from .errors import Unauthenticated


class TokenAuth(HttpBearer):
    """Authorization: Bearer cnt_… checked against the stored hashes."""

    def __call__(self, request):
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(_("Send the API token as “Authorization: Bearer cnt_…”."))
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        try:
            user = actions.user_for_token(token)
        except actions.TokenRejected as rejected:
            raise Unauthenticated(rejected.message) from None
        # Token requests carry no session, so the user's language and identity are set here
        # (the session middlewares already ran and saw an anonymous visitor).
        request.user = user
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # Anonymous callers get a 401 "authentication required", not a confusing CSRF failure.
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403,
                _(
                    "CSRF check failed: browser requests that change data must send the "
                    "X-CSRFToken header. Programs should use an API token instead of a session."
                ),
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None
