"""The access log: who read a household's sensitive data, or was refused it, and when.

A row names the object (its model and primary key), never the value that was read.
The log is append-only: the model refuses to change or delete a row, and on
PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002).
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from org.models import Unit


class AppendOnlyError(Exception):
    """A row of the access log may be written once and never changed or deleted."""


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")
    PDF = "pdf", _("Printed (PDF)")
    API = "api", _("Read through the API")
    DENIED = "denied", _("Refused (out of scope)")
    FORBIDDEN = "forbidden", _("Refused (not allowed for the role)")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the access log is append-only")

    def delete(self):
        raise AppendOnlyError("the access log is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("the access log is append-only")


class AccessLog(models.Model):
    """One read of, or one refused attempt at, a household's data."""

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, editable=False)
    # PROTECT: a user who read households stays on file (deactivate, never delete).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True)
    # The household whose data it is, as a plain id: the log outlives a merge or an anonymisation.
    file_id = models.PositiveBigIntegerField(_("household file"), null=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, on_delete=models.PROTECT, related_name="+")
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["file_id", "-id"], name="accesslog_file_recent"),
            models.Index(fields=["user", "-id"], name="accesslog_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the access log is append-only")

    @property
    def object_label(self) -> str:
        """What was read, in the reader's language ("Hardship file"), for the log's pages."""
        try:
            return capfirst(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type
