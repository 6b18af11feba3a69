"""Readable names for the actions in the audit trail.

Actions are recorded as stable codes ("user.create"); this table is what people read. Add a
line when an action starts recording a new code. A code missing here is shown as it is.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "user.create": _("User created"),
    "user.update": _("User changed"),
    "user.password": _("Password changed"),
    "user.unlock": _("Sign-in lockout lifted"),
    "team.create": _("Team created"),
    "team.update": _("Team changed"),
    "team.delete": _("Team deleted"),
    "presence_status.create": _("Presence status created"),
    "presence_status.update": _("Presence status changed"),
    "presence_status.delete": _("Presence status deleted"),
    "presence_status.move": _("Presence status moved"),
    "api_token.create": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
    "notification.send": _("Notice sent"),
    "campaign.create": _("Campaign created"),
    "campaign.update": _("Campaign changed"),
    "script.create": _("Script created"),
    "script.import": _("Script imported from a process"),
    "script.update": _("Script changed"),
    "script.delete": _("Script deleted"),
    "status.create": _("Case status created"),
    "status.update": _("Case status changed"),
    "status.move": _("Case status moved"),
    "status.delete": _("Case status deleted"),
    "form.create": _("Form created"),
    "form.update": _("Form renamed"),
    "form_field.create": _("Form field added"),
    "form_field.update": _("Form field changed"),
    "form_field.move": _("Form field moved"),
    "form_field.delete": _("Form field deleted"),
    "form_choice.create": _("List item added"),
    "form_choice.update": _("List item changed"),
    "form_choice.move": _("List item moved"),
    "activity.create": _("Activity added to a case"),
    "activity.edit": _("Note edited"),
    "activity.move": _("Activity moved to another case"),
}


def action_label(action):
    return ACTION_LABELS.get(action, action)
