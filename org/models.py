"""The union organisation tree and the roles users hold at its units."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Concat, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """Configurable data shown to users in Chinese or English."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Locality(BilingualName):
    """A city or county: minimum living standards (低保) are set per locality."""

    code = models.SlugField(
        _("code"), max_length=20, unique=True, help_text=_("For example the administrative division code.")
    )

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["code"]


class UnitKind(models.TextChoices):
    FEDERATION = "federation", _("Federation")
    BRANCH = "branch", _("Branch union")
    GROUP = "group", _("Grassroots group")


class Unit(BilingualName):
    """A union at any level; `path` holds the ids from the root, for subtree queries."""

    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    locality = models.ForeignKey(
        Locality,
        verbose_name=_("locality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("The city or county whose living standard applies; empty to use the parent unit's."),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else ""
        new_path = f"{parent_path}{self.pk:06d}/"
        if new_path != old_path:
            self._move_subtree(old_path, new_path)

    def _move_subtree(self, old_path: str, new_path: str) -> None:
        depth = new_path.count("/") - 1
        Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
        self.path, self.depth = new_path, depth
        if old_path:
            shift = depth - (old_path.count("/") - 1)
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                depth=models.F("depth") + shift,
            )

    @property
    def root_id(self) -> int:
        return int(self.path.split("/", 1)[0])

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, inclusive."""
        return [int(part) for part in self.path.split("/") if part]

    def effective_locality(self) -> "Locality | None":
        """This unit's locality, or its nearest ancestor's: one query whatever the depth."""
        if self.locality_id:
            return self.locality
        nearest = (
            Unit.objects.filter(pk__in=self.ancestor_ids(), locality__isnull=False)
            .select_related("locality")
            .order_by("-depth")
            .first()
        )
        return nearest.locality if nearest else None


class Role(models.TextChoices):
    CADRE = "cadre", _("Union cadre")
    BRANCH_CHAIR = "branch_chair", _("Branch chair")
    FEDERATION_STAFF = "federation_staff", _("Federation staff")
    ADMINISTRATOR = "administrator", _("Administrator")


class Membership(models.Model):
    """A user holds a role at a unit, and with it the unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role_at_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
