"""An upload of hardship files: the file as sent, its dry run's findings, and how its import went."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked: ready to import")
    INVALID = "invalid", _("Errors found: nothing imported")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")


class ImportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """An upload is seen only by the user who made it."""
        return self.filter(created_by=user) if getattr(user, "is_authenticated", False) else self.none()


class ImportJob(models.Model):
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=200)
    # Kept until the import is done, so the confirmation checks the very file that was checked; then dropped.
    content = models.BinaryField(editable=False)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("files created"), default=0)
    updated_count = models.PositiveIntegerField(_("files updated"), default=0)
    # [{"row", "column", "message"}]: every error of the last run, in the uploader's language.
    errors = models.JSONField(default=list, blank=True)
    # [{"row", "action": "create"|"update", "name", "file", "members"}]: what the run would do or did.
    plan = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("sheets:import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)
