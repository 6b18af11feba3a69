"""API tokens: issuing, revoking and checking them. Issuing and revoking are audited.

The token itself is returned once, by do_create_token; only its SHA-256 hash is stored, so a
lost token cannot be shown again, only replaced.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.audit.actions import record

from .models import TOKEN_PREFIX, ApiToken, hash_token

MAX_EXPIRY_DAYS = 3650
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRejected(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


def check_token_request(user, name, expires_in_days=None):
    """Validate a new token's owner, name and lifetime; returns the cleaned (name, expires_at)."""
    if user is None or not user.is_active:
        raise ValidationError(_("API tokens can only be issued to active users."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": _("Give the token a name, e.g. the program that will use it.")}
        )
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long (at most 100 characters).")})
    expires_at = None
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
            message = _("The lifetime must be between 1 and %(max)s days.") % {
                "max": MAX_EXPIRY_DAYS
            }
            raise ValidationError({"expires_in_days": message})
        expires_at = timezone.now() + timedelta(days=expires_in_days)
    return name, expires_at


@transaction.atomic
def do_create_token(actor, user, name, expires_in_days=None):
    """Issue a token for `user`. Returns (token, raw): show `raw` once, then forget it."""
    name, expires_at = check_token_request(user, name, expires_in_days)
    raw = ApiToken.generate()
    hint = raw[: ApiToken._meta.get_field("hint").max_length]
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_token(raw), hint=hint, expires_at=expires_at
    )
    record(actor, "api_token.create", token, {
        "user": [None, user.username],
        "name": [None, name],
        "expires_at": [None, expires_at],
    })
    return token, raw


def get_token_for_user(user, token_id):
    """The user's own token, or ApiToken.DoesNotExist (never someone else's)."""
    return ApiToken.objects.get(pk=token_id, user=user)


@transaction.atomic
def do_revoke_token(actor, token):
    """Revoke a token for good. Returns False if it was already revoked."""
    now = timezone.now()
    # Conditional update: two clicks at once revoke (and audit) the token only once.
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not changed:
        return False
    token.revoked_at = now
    record(actor, "api_token.revoke", token, {"revoked_at": [None, now]})
    return True


def user_for_token(raw):
    """The active user a presented token belongs to, or TokenRejected with the reason."""
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX):
        raise TokenRejected(
            _("This is not a Centrala API token (they start with “%(prefix)s”).")
            % {"prefix": TOKEN_PREFIX}
        )
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None:
        raise TokenRejected(_("Unknown API token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected(_("This API token was revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRejected(_("This API token has expired."))
    if not token.user.is_active:
        raise TokenRejected(_("The account this API token belongs to is disabled."))
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return token.user
