"""The case number token in e-mail subjects: "Re: Broken car [#1234]" (MAIL-01, CASE-03).

Replies we send carry it; a customer's answer that keeps it is appended to that case. Only the
form "[#<digits>]" counts, so "#5 in line" or "[5]" in an ordinary subject never matches.
"""

import re

TOKEN_RE = re.compile(r"\[#(\d{1,18})\]")


def case_token(case):
    """The token for a case (or a case number): "[#1234]"."""
    number = getattr(case, "pk", case)
    return f"[#{number}]"


def find_case_token(subject):
    """The case number in a subject's last token, or None. The last one wins: a forwarded
    thread may quote an older case's token before ours."""
    found = TOKEN_RE.findall(subject or "")
    return int(found[-1]) if found else None


def with_token(subject, case):
    """The subject with the case's token appended once (kept as is when it is already there)."""
    subject = (subject or "").strip()
    token = case_token(case)
    if token in subject:
        return subject
    return f"{subject} {token}" if subject else token
