"""The 18-digit PRC resident ID number (GB 11643-1999): validation and what it encodes."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# First two digits: province-level division codes of GB/T 2260 (91: overseas Chinese).
PROVINCE_CODES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        91,
    }
)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit is odd for men, even for women


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def parse_resident_id(value: str) -> ResidentId:
    """Validate an ID number and return what it encodes; raise ValidationError saying what is wrong."""
    number = normalize(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d."), code="length", params={"n": len(number)}
        )
    if not SHAPE.match(number):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="shape")
    if int(number[:2]) not in PROVINCE_CODES:
        raise ValidationError(
            _("The ID number starts with %(code)s, which is not a province code."),
            code="province",
            params={"code": number[:2]},
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The ID number holds no real birth date."), code="birth_date") from None
    if birth > timezone.localdate():
        raise ValidationError(_("The birth date in the ID number is in the future."), code="future")
    if birth.year < 1900:
        raise ValidationError(_("The birth date in the ID number is before 1900."), code="too_old")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check character is wrong: check for a typing error."), code="checksum")
    return ResidentId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
