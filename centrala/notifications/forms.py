from django import forms
from django.utils.translation import gettext_lazy as _

from centrala.accounts.models import Team, User

from . import actions


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.get_role_display()})"


class SendNoticeForm(forms.Form):
    users = UserChoiceField(
        label=_("People"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every active member of a chosen team receives the notice."),
    )
    title = forms.CharField(label=_("Title"), max_length=actions.TITLE_MAX_LENGTH)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    url = forms.CharField(
        label=_("Link"),
        required=False,
        max_length=actions.URL_MAX_LENGTH,
        help_text=_("Optional page of Centrala the notice opens, e.g. /presence/team/."),
    )

    def clean_title(self):
        return actions.check_notice_title(self.cleaned_data["title"])

    def clean_url(self):
        return actions.check_notice_link(self.cleaned_data["url"])

    def clean(self):
        cleaned = super().clean()
        if "users" in cleaned and "teams" in cleaned:
            try:
                self.recipients = actions.check_notice_recipients(cleaned["users"], cleaned["teams"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned
