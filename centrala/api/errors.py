"""Every API error is JSON {"detail": "<clear message>"} with the status that says what went wrong.

401 not signed in / bad token, 403 the role lacks the right (or CSRF failed), 404 unknown or
invisible object, 409 conflict, 422 invalid input (with per-field `errors`), 400 unreadable body.
Endpoints raise ordinary Django exceptions (PermissionDenied, Http404, DoesNotExist,
ValidationError) or the classes below; the handlers here turn them into responses.
"""

import logging
from functools import wraps

from django.apps import apps
from django.core import signals
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from centrala.accounts.permissions import CAPABILITIES

logger = logging.getLogger("centrala.api")


class Conflict(HttpError):
    """The request is valid but clashes with the current state (409)."""

    def __init__(self, message):
        super().__init__(409, message)


class Unauthenticated(AuthenticationError):
    def __init__(self, message):
        super().__init__(401, message)


def error_response(status, detail, **extra):
    return JsonResponse({"detail": str(detail), **extra}, status=status)


def _unauthenticated(request, exc):
    message = exc.message
    if message == "Unauthorized":  # ninja's own, when no authentication method accepted the request
        message = _(
            "Authentication required: send an API token (Authorization: Bearer cnt_…) or sign in."
        )
    response = error_response(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="centrala"'
    return response


def _http_error(request, exc):
    message = exc.message
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        cause = exc.__cause__
        message = _("The request body is not valid JSON.")
        if cause is not None:
            message = f"{message} ({cause})"
    return error_response(exc.status_code, message)


def _field_errors(errors):
    """ninja/pydantic errors as [{"field", "location", "message", "type"}]."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location, path = (loc[0], loc[1:]) if loc else ("", [])
        result.append({
            "field": ".".join(path),
            "location": location,
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        })
    return result


def _invalid_input(request, exc):
    fields = _field_errors(exc.errors)
    summary = "; ".join(f"{e['field'] or e['location']}: {e['message']}" for e in fields)
    message = _("Invalid input: %(summary)s") % {"summary": summary}
    return error_response(422, message, errors=fields)


def _rejected(request, exc):
    """A django ValidationError from a check_* function: well-formed input, not acceptable."""
    if hasattr(exc, "error_dict"):
        fields = [
            {
                "field": "" if field == "__all__" else field,
                "location": "body",
                "message": message,
                "type": "invalid",
            }
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        return error_response(422, " ".join(e["message"] for e in fields), errors=fields)
    return error_response(422, " ".join(exc.messages))


def _forbidden(request, exc):
    reason = str(exc)
    if reason in CAPABILITIES:
        message = _("Your role does not allow this (it needs the “%(capability)s” right).") % {
            "capability": reason
        }
    else:
        message = reason or _("You may not do this.")
    return error_response(403, message)


def _not_found(request, exc):
    return error_response(404, str(exc) or _("Not found."))


def _model_of(exc):
    for model in apps.get_models():
        if type(exc) is model.DoesNotExist:
            return model
    return None


def _does_not_exist(request, exc):
    model = _model_of(exc)
    if model is None:
        return error_response(404, _("Not found."))
    message = _("This %(object)s does not exist or is not visible to you.") % {
        "object": model._meta.verbose_name
    }
    return error_response(404, message)


def _conflict(request, exc):
    return error_response(409, _("The change conflicts with data that already exists."))


def _server_error(request, exc):
    # Reported like any Django error (logs, error monitoring, the test client), but the
    # client still gets JSON rather than an HTML error page.
    logger.exception("API error on %s %s", request.method, request.path)
    signals.got_request_exception.send(sender=None, request=request)
    return error_response(500, _("Internal server error. It has been logged."))


def register(api):
    api.add_exception_handler(AuthenticationError, _unauthenticated)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(NinjaValidationError, _invalid_input)
    api.add_exception_handler(DjangoValidationError, _rejected)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ObjectDoesNotExist, _does_not_exist)
    api.add_exception_handler(IntegrityError, _conflict)
    api.add_exception_handler(Exception, _server_error)


def json_errors(view):
    """Wrap a URL's view so Django's own 404/405 answers under /api/v1/ are JSON too."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return unknown_endpoint(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 405 and not is_json:
            allowed = response.get("Allow", "")
            json = error_response(
                405,
                _("The method %(method)s is not allowed here; use %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
            )
            json["Allow"] = allowed
            return json
        return response

    return wrapped


def unknown_endpoint(request, *args, **kwargs):
    message = _("There is no API endpoint at %(path)s. The list is at /api/v1/openapi.json.") % {
        "path": request.path
    }
    return error_response(404, message)
