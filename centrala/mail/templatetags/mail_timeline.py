"""Showing e-mails in a case timeline: the formatted (HTML) part, safe to show.

The HTML was sanitised when the message was stored (nh3); it is cleaned again here with a
stricter rule for images, because what is allowed to load is a decision of the page showing it:
only inline images sent with the message itself (cid:) are shown, through the attachment download
URL (which checks case access). Every other image, i.e. a remote one, is dropped, so opening an
e-mail never tells a sender it was read.
"""

import nh3
from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from centrala.accounts.permissions import can
from centrala.mail.detection import AUTOMATIC_LABELS, REASON_LABELS

register = template.Library()

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"}, "*": {"title"},
}


@register.filter
def can_do(user, capability):
    return can(user, capability)


def clean_email_html(html, inline, attachment_ids):
    """`html` with only safe markup left and cid: images pointing at their attachment."""

    def attribute(element, name, value):
        if element == "img" and name == "src":
            if not value.lower().startswith("cid:"):
                return None  # remote or data: images are not loaded
            cid = value[4:].strip().strip("<>")
            attachment_id = inline.get(cid) or inline.get(f"<{cid}>")
            if attachment_id is None or int(attachment_id) not in attachment_ids:
                return None
            return reverse("activities:download", args=[int(attachment_id)])
        return value

    return nh3.clean(
        html or "", tags=TAGS, attributes=ATTRIBUTES, attribute_filter=attribute,
        url_schemes={"http", "https", "mailto", "cid"}, strip_comments=True, link_rel="noopener noreferrer nofollow",
    )


@register.filter
def email_html(activity):
    """The e-mail's formatted part as safe HTML, or "" when it has none."""
    data = activity.data or {}
    html = data.get("html")
    if not html:
        return ""
    inline = {str(k): v for k, v in (data.get("inline") or {}).items()}
    attachment_ids = {a.pk for a in activity.attachments.all()} if inline else set()
    return mark_safe(clean_email_html(html, inline, attachment_ids))  # noqa: S308 - cleaned just above


@register.filter
def addresses(value):
    """A list of addresses as one line."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value or ""


@register.filter
def spam_reasons(reasons):
    """The stored spam reasons ({"code", "points", "detail"}) with the label a reviewer reads;
    a reason this version does not know shows its code."""
    shown = []
    for reason in reasons if isinstance(reasons, list) else []:
        if isinstance(reason, dict):
            code = str(reason.get("code", ""))
            shown.append({"label": REASON_LABELS.get(code, code), "detail": reason.get("detail") or "",
                          "points": reason.get("points", "")})
    return shown


@register.filter
def automatic_label(kind):
    """What sent an automatic message (auto-reply, bounce, list, bulk), in the user's language."""
    return AUTOMATIC_LABELS.get(kind, kind or "")
