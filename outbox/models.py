"""Work for a Celery task, written in the transaction of the change that causes it, then relayed to the broker."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent to the broker")


class OutboxMessage(models.Model):
    """One task call that must reach the broker: pending until a relay has published it.

    `key` names the unit of work (one row per digest, report, e-mail): the same work asked
    for twice is one row, and the task it calls claims its own row, so a message published
    twice (a relay timed out after Redis took it) still does the work once.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["id"], condition=Q(status="pending"), name="outbox_pending")]

    def __str__(self) -> str:
        return self.key
