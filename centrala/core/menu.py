"""The left menu: one table of entries, each shown to the users with its capability.

Modules add their entries here; the order of the table is the order on screen.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from centrala.accounts.permissions import can


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    capability: str | None  # None: every signed-in user
    icon: str
    section: str = ""


MENU = [
    MenuEntry(_("Home"), "core:home", None, "home"),
    MenuEntry(_("Tickets"), "cases:view_tickets", "work_cases", "tickets", _("Work")),
    MenuEntry(_("My tickets"), "cases:view_mine", "work_cases", "mine", _("Work")),
    MenuEntry(_("Tickets to distribute"), "cases:view_distribute", "work_cases", "distribute", _("Work")),
    MenuEntry(pgettext_lazy("view", "Cases"), "cases:view_cases", "work_cases", "cases", _("Work")),
    MenuEntry(_("Reminders"), "cases:view_reminders", "work_cases", "reminders", _("Work")),
    MenuEntry(_("Spam"), "cases:view_spam", "work_cases", "spam", _("Work")),
    MenuEntry(_("Contacts"), "contacts:list", "work_cases", "contacts", _("Work")),
    MenuEntry(_("Calls"), "activities:view_calls", "work_cases", "calls", _("Work")),
    MenuEntry(_("Mail"), "activities:view_mail", "work_cases", "mail", _("Work")),
    MenuEntry(_("SMS"), "activities:view_sms", "work_cases", "sms", _("Work")),
    MenuEntry(_("Reception desk"), "dealership:desk", "reception_desk", "reception", _("Dealership")),
    MenuEntry(_("Traffic to process"), "dealership:my_traffic", "process_traffic", "traffic", _("Dealership")),
    MenuEntry(_("Documents"), "dealership:documents", "process_traffic", "documents", _("Dealership")),
    MenuEntry(_("Traffic journal"), "dealership:journal", "view_traffic_journal", "journal", _("Dealership")),
    MenuEntry(_("Traffic reports"), "dealership:reports", "view_traffic_reports", "reports", _("Dealership")),
    MenuEntry(_("Campaigns"), "campaigns:list", "manage_campaigns", "campaigns", _("Supervision")),
    MenuEntry(_("Team status"), "presence:team", "monitor_team", "team", _("Supervision")),
    MenuEntry(_("Work time"), "presence:report", "view_presence_report", "clock", _("Supervision")),
    MenuEntry(_("Send a notice"), "notifications:send", "send_notice", "bell", _("Supervision")),
    MenuEntry(_("Audit trail"), "audit:list", "view_audit", "audit", _("Supervision")),
    MenuEntry(_("Users"), "accounts:users", "manage_users", "users", _("Administration")),
    MenuEntry(_("Teams"), "accounts:teams", "manage_users", "teams", _("Administration")),
    MenuEntry(_("Presence statuses"), "presence:statuses", "manage_presence_statuses", "status", _("Administration")),
    MenuEntry(_("Contact fields"), "contacts:fields", "manage_contact_fields", "fields", _("Administration")),
    MenuEntry(_("Consent types"), "contacts:consent_types", "manage_consent_types", "consents", _("Administration")),
    MenuEntry(_("Web forms"), "webforms:list", "manage_webforms", "webforms", _("Administration")),
    MenuEntry(_("Contact goals"), "dealership:goals", "manage_dealership", "goals", _("Administration")),
    MenuEntry(_("Ignore reasons"), "dealership:reasons", "manage_dealership", "reasons", _("Administration")),
    MenuEntry(_("Mailboxes"), "mail:mailboxes", "manage_mailboxes", "mail", _("Administration")),
    MenuEntry(_("Mail problems"), "mail:problems", "manage_mailboxes", "bell", _("Administration")),
    MenuEntry(_("Background tasks"), "core:tasks", "view_tasks", "tasks", _("Administration")),
]


def menu_for(user, current_path=""):
    entries = []
    for entry in MENU:
        if entry.capability is None or can(user, entry.capability):
            url = reverse(entry.url_name)
            active = current_path == url or (url != "/" and current_path.startswith(url))
            entries.append({"entry": entry, "url": url, "active": active})
    # Only the most specific entry is current: /contacts/fields/ is "Contact fields", not "Contacts".
    matching = [item for item in entries if item["active"]]
    for item in matching:
        item["active"] = len(item["url"]) == max(len(other["url"]) for other in matching)
    return entries
