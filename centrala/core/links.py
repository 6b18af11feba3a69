"""Where a "next"/"return" link from a request (or a stored link) may send a user."""

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(url):
    """`url` when it is a path on this site ("/cases/5/?tab=form"), else "".

    One rule for every redirect and stored link: never another host, not even one written as
    "//evil.example" or "/\\evil.example", and never a scheme such as "javascript:".
    """
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def local_path_from(request, name):
    """The local path in the request's POST or GET parameter `name`, or ""."""
    return local_path(request.POST.get(name) or request.GET.get(name) or "")
