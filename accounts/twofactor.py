"""Optional two-factor login (TOTP, as in any authenticator app) for federation staff and administrators.

A user who has confirmed an authenticator is logged in only after the password *and*
a current code (or one of their single-use recovery codes): the password step alone
leaves nobody signed in. An administrator resets a user who lost their phone by
deleting the user's TOTP and recovery devices in the admin.
"""

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Membership, Role

RECOVERY_CODES = 10
RECOVERY = "recovery"


def may_use_two_factor(user) -> bool:
    """Federation staff and administrators (and staff users of the admin) may turn two-factor login on."""
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=[Role.FEDERATION_STAFF, Role.ADMINISTRATOR]).exists()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def two_factor_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator secret for the user (any earlier unconfirmed one is dropped)."""
    if not may_use_two_factor(user):
        raise ValidationError(_("Two-factor login is for federation staff and administrators."))
    if has_two_factor(user):
        raise ValidationError(_("Two-factor login is already on."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Hardship", confirmed=False)


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as a QR code, an SVG element drawn on the server."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, title=_("QR code"))
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the only text in it is escaped by segno


@transaction.atomic
def two_factor_confirm(*, user, token: str) -> list[str]:
    """Turn two-factor login on once the app shows the right code; the recovery codes, shown only now."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError(_("Start again: there is no authenticator waiting to be confirmed."))
    if not device.verify_token(token.strip()):
        raise ValidationError(_("That code is not right. Check the time on your phone and type the current code."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(user)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user, name=RECOVERY).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_verify(*, user, token: str):
    """The device that accepts `token` (a current code, or a recovery code, used up), or None."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    if token.isdigit():
        return next((d for d in TOTPDevice.objects.filter(user=user, confirmed=True) if d.verify_token(token)), None)
    return next((d for d in StaticDevice.objects.filter(user=user, confirmed=True) if d.verify_token(token)), None)


@transaction.atomic
def two_factor_disable(*, user, token: str) -> None:
    """Turn two-factor login off, with a current code (so a session left open cannot do it alone)."""
    if two_factor_verify(user=user, token=token) is None:
        raise ValidationError(_("That code is not right."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
