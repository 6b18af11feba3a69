"""Rules a status or a form field must keep, wherever it comes from.

The pages, the actions and the process import (processes.install_process) all ask these
functions, so a rule cannot hold in one place and be skipped in another. Each returns
{field name: message} for what is wrong; an empty dict means the values are fine.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from .models import DUE_TIME_TYPES, CallbackRule, FormFieldKind, StatusType

CHOICE_KINDS = frozenset({FormFieldKind.SINGLE_CHOICE, FormFieldKind.MULTI_CHOICE})
TEXT_KINDS = frozenset({FormFieldKind.TEXT})
KEY_LENGTH = 50

# Letters NFKD does not decompose into ASCII, so keys made from Polish or Russian titles stay readable.
_TRANSLITERATION = str.maketrans({
    "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})
KEY_RE = re.compile(r"[a-z0-9](?:[a-z0-9_]*[a-z0-9])?")


def make_key(text, taken=(), *, fallback="field"):
    """A stable key for a field or choice made from its title: "Pick-up place" -> "pick_up_place".

    Unique among `taken` (a suffix _2, _3 ... is added). Case data is stored under the key, so it
    is made once, when the field is created, and never changes with the title.
    """
    text = str(text).lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:KEY_LENGTH].strip("_") or fallback
    taken = set(taken)
    key, number = base, 1
    while key in taken:
        number += 1
        suffix = f"_{number}"
        key = base[: KEY_LENGTH - len(suffix)].rstrip("_") + suffix
    return key


def status_errors(*, type, callback_rule, callback_minutes=None, callback_at=None):
    """STS-01/02: the type is one of the eight; a due time only for callbacks and successes;
    a relative due time needs minutes, a fixed one a date."""
    errors = {}
    if type not in StatusType.values:
        errors["type"] = _("Unknown status type “%(type)s”.") % {"type": type}
    if callback_rule not in CallbackRule.values:
        errors["callback_rule"] = _("Unknown due-time rule “%(rule)s”.") % {"rule": callback_rule}
        return errors
    if callback_rule != CallbackRule.NONE and type in StatusType.values and type not in DUE_TIME_TYPES:
        errors["callback_rule"] = _(
            "A due time only applies to private callback, public callback and success statuses; "
            "a “%(type)s” status has none."
        ) % {"type": StatusType(type).label}
    elif callback_rule == CallbackRule.RELATIVE:
        if not isinstance(callback_minutes, int) or isinstance(callback_minutes, bool) or callback_minutes <= 0:
            errors["callback_minutes"] = _("A relative due time needs a number of minutes greater than 0.")
    elif callback_rule == CallbackRule.ABSOLUTE and callback_at is None:
        errors["callback_at"] = _("A fixed due time needs a date and time.")
    return errors


def field_errors(*, kind, label, required=False, in_header=False, is_phone=False, is_email=False,
                 sets_status=None, script=None):
    """FRM-01: what a field of `kind` may carry. `script` is the script whose form it is."""
    errors = {}
    if not str(label or "").strip():
        errors["label"] = _("Enter a title.")
    if kind not in FormFieldKind.values:
        errors["kind"] = _("Unknown field kind “%(kind)s”.") % {"kind": kind}
        return errors
    is_button = kind == FormFieldKind.BUTTON
    if is_button and required:
        errors["required"] = _("A button holds no value, so it cannot be required.")
    if is_button and in_header:
        errors["in_header"] = _("A button cannot be shown among the header fields.")
    if (is_phone or is_email) and kind not in TEXT_KINDS:
        errors["is_phone" if is_phone else "is_email"] = _(
            "Only a text field can hold a phone number or an e-mail address."
        )
    elif is_phone and is_email:
        errors["is_email"] = _("A field is either a phone number or an e-mail address, not both.")
    if sets_status is not None:
        if not is_button:
            errors["sets_status"] = _("Only a button can set a status.")
        elif script is None or sets_status.script_id != script.pk:
            errors["sets_status"] = _(
                "A button can only set a status of its own script; “%(status)s” belongs to another one."
            ) % {"status": sets_status.name}
        elif not sets_status.active:
            errors["sets_status"] = _("The status “%(status)s” is inactive; activate it first.") % {
                "status": sets_status.name
            }
    return errors
