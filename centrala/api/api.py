"""The REST API at /api/v1/, with its OpenAPI schema at /api/v1/openapi.json.

Each app keeps its endpoints in its own `api.py` (a ninja Router) and is mounted here. Every
endpoint needs a bearer token or the browser session (see auth.py); what the caller may do is
decided by centrala.accounts.permissions, and errors are JSON (see errors.py).
"""

from django.contrib.auth.views import redirect_to_login
from django.urls import path
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from centrala.accounts.api import router as accounts_router
from centrala.activities.api import router as activities_router
from centrala.campaigns.api import router as campaigns_router
from centrala.cases.api import router as cases_router
from centrala.contacts.api import router as contacts_router
from centrala.notifications.api import router as notifications_router
from centrala.presence.api import router as presence_router

from . import errors
from .auth import SessionAuth, TokenAuth
from .schemas import ERROR_REF, ErrorOut

DESCRIPTION = """
Centrala's REST API.

**Authentication.** Send an API token as `Authorization: Bearer cnt_…`. Users create tokens on
their profile page (or an administrator runs `manage.py issue_token USERNAME`). Centrala's own
pages may call the API with the browser session; requests that change data then need the
`X-CSRFToken` header.

**Errors** are JSON: `{"detail": "message"}`, plus `errors` (one entry per field) for 422.
401: not authenticated; 403: the user's role lacks the right; 404: no such object or not
visible to this user; 409: conflict; 422: invalid input; 400: the body is not valid JSON.

**Lists** are paginated: `?page=1&page_size=50` (at most 200) and answer
`{"items": [...], "count": N}`.
"""


class SignedInSwagger(Swagger):
    """The interactive docs, for signed-in users only. Its assets are served by Centrala itself
    (ninja's bundled Swagger UI), so the page works under our Content-Security-Policy."""

    def render_page(self, request, api, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)


class CentralaAPI(NinjaAPI):
    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = errors.json_errors(pattern.callback)
        patterns.append(path("<path:unknown>", errors.unknown_endpoint, name="unknown"))
        return patterns, app_name, namespace

    def validation_error_from_error_contexts(self, error_contexts):
        error = super().validation_error_from_error_contexts(error_contexts)
        # A body read into one schema parameter is the JSON object itself, yet ninja names the
        # parameter in the error location (body.data.status_id); clients sent just status_id.
        wrapped = {
            getattr(context.model, "__read_from_single_attr__", None)
            for context in error_contexts
            if getattr(context.model, "__ninja_param_source__", None) == "body"
        } - {None}
        for item in error.errors:
            loc = tuple(item.get("loc", ()))
            if len(loc) > 1 and loc[0] == "body" and loc[1] in wrapped:
                item["loc"] = (loc[0],) + loc[2:]
        return error

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components["ErrorOut"] = error_schema

        def error(description):
            content = {"application/json": {"schema": ERROR_REF}}
            return {"description": description, "content": content}

        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault("401", error("Not authenticated."))
                if operation.get("requestBody"):
                    responses.setdefault("400", error("The body is not valid JSON."))
                if operation.get("requestBody") or operation.get("parameters"):
                    responses.setdefault("422", error("Invalid input."))
        return schema


api = CentralaAPI(
    title="Centrala API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    # No validatorUrl: Swagger UI would otherwise fetch a badge from validator.swagger.io.
    docs=SignedInSwagger(settings={"validatorUrl": None}),
)
errors.register(api)


@api.get("/ping", auth=None, summary="Check that the API answers", tags=["meta"])
def ping(request):
    return {"ok": True}


api.add_router("/", accounts_router)
api.add_router("/presence", presence_router)
api.add_router("/notifications", notifications_router)
api.add_router("/contacts", contacts_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/", cases_router)
api.add_router("/", activities_router)
