"""The demo password: it opens the demo data and nothing else.

`seed_demo` gives it to the demo users. No form accepts it as a new password, and
where demo data is not allowed (production: `HARDSHIP["DEMO_DATA"]` off) it
logs nobody in, even a user whose stored hash still matches it.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - the demo logins' password, printed by `make run`


def demo_data_allowed() -> bool:
    return bool(settings.HARDSHIP.get("DEMO_DATA", False))


class NotDemoPasswordValidator:
    """Refuses the published demo password as anyone's new password, in every environment."""

    def validate(self, password: str, user=None) -> None:
        if password.strip().casefold() == DEMO_PASSWORD:
            raise ValidationError(_("This is the published demo password; choose another."), code="demo_password")

    def get_help_text(self) -> str:
        return _("Your password cannot be the published demo password.")


class PasswordBackend(ModelBackend):
    """Django's username and password backend, refusing the demo password where demo data is not allowed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password == DEMO_PASSWORD and not demo_data_allowed():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
