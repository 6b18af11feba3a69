"""Who sent a request."""

from django.conf import settings


def client_ip(request):
    """The visitor's address, for rate limits and sign-in throttling. Behind our TLS proxy
    (BEHIND_TLS_PROXY) every request comes from the proxy, so the address the proxy appended to
    X-Forwarded-For counts instead (the last one: earlier ones are the client's own claims)."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR", "")
