"""Pieces every app's router shares: the error shape, pagination and error documentation."""

from ninja import Schema
from ninja.pagination import PageNumberPagination


class FieldError(Schema):
    field: str
    location: str
    message: str
    type: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] | None = None


class Pagination(PageNumberPagination):
    """?page=N&page_size=M (at most 200); answers {"items": [...], "count": total}."""

    def __init__(self, **kwargs):
        kwargs.setdefault("page_size", 50)
        kwargs.setdefault("max_page_size", 200)
        super().__init__(**kwargs)


_DESCRIPTIONS = {
    400: "The request body is not valid JSON.",
    401: "No credentials, or the API token is unknown, revoked or expired.",
    403: "The user's role lacks the right, or a browser request missed its CSRF token.",
    404: "No such object, or it is not visible to this user.",
    409: "The change conflicts with the current state.",
    422: "The input is invalid; `errors` lists the fields.",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def problems(*statuses):
    """openapi_extra documenting the error answers an endpoint may give."""
    return {
        "responses": {
            str(status): {
                "description": _DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ERROR_REF}},
            }
            for status in statuses
        }
    }
