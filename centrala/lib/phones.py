"""Phone numbers: what people type, and the E.164 form used to match callers to contacts."""

import re

import phonenumbers

DEFAULT_REGION = "PL"


def to_e164(raw, region=DEFAULT_REGION):
    """E.164 ("+48601234567") for a number typed in any usual way, or None if it is not a number.

    "+48 601-234-567", "601234567", "0048601234567" and "(48) 601 234 567" all give the same.
    """
    text = (raw or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text):
    """True when a search text is probably a phone number (digits with separators)."""
    digits = re.sub(r"[\s\-().+/]", "", text or "")
    return len(digits) >= 6 and digits.isdigit()


def display(e164, region=DEFAULT_REGION):
    """A readable form: national for our region, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
