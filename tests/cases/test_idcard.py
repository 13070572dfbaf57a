import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.idcard import check_character, parse_resident_id

# A textbook-valid number: Beijing Chaoyang, born 1949-12-31, a man.
VALID = "11010519491231002X"


def test_valid_number_gives_birth_date_and_sex():
    resident = parse_resident_id(VALID)
    assert resident.birth_date == dt.date(1949, 12, 31)
    assert resident.sex == "F"  # 17th digit 2 is even
    assert parse_resident_id("530102198506150013").sex == "M"


def test_lowercase_check_character_is_accepted_and_normalised():
    assert parse_resident_id(VALID.lower()).number == VALID


def test_check_character_follows_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("53010219850615001") == "3"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("11010519491231A02X", "shape"),
        ("99010519491231002X", "province"),
        ("110105194902300021", "birth_date"),
        ("110105194912310021", "checksum"),
        ("110105189912310021", "too_old"),
    ],
)
def test_bad_numbers_say_what_is_wrong(number, code):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(number)
    assert exc.value.code == code


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
def test_birth_date_in_the_future_is_refused():
    first17 = "11010520301231002"
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(first17 + check_character(first17))
    assert exc.value.code == "future"
