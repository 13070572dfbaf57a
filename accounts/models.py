"""The signed-in sessions of each user, so a user can see theirs and end the others."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserSession(models.Model):
    """One signed-in session: the browser it runs in, the address it was last seen from, and when.

    It lives and dies with its row in Django's session table (ending, expiring or
    clearing the session deletes it). The session key never leaves the server: pages
    name a session by this row's id.
    """

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ip = models.CharField(pgettext_lazy("network", "address"), max_length=45, blank=True)
    started_at = models.DateTimeField(_("signed in"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} · {self.ip}"
