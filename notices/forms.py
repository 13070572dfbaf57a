"""The user's own notification settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of notifications and e-mails"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose Simplified Chinese or English.")},
    )
    email = forms.BooleanField(
        label=_("Also send reminders and aid decisions by e-mail"),
        required=False,
        help_text=_("In-app notifications are always kept; e-mails go to the address in your account."),
    )
