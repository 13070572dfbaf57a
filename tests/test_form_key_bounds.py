"""A key past 64 bits in a choice field is an invalid choice with a message, on SQLite too (it was a 500)."""

import pytest

from visits.forms import VisitForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", [str(2**63), str(-(2**64)), "9" * 40])
def test_a_visitor_key_too_large_for_the_database_is_an_invalid_choice(cadre, key):
    form = VisitForm({"visitors": [key]}, user=cadre)
    assert not form.is_valid()
    assert form.errors["visitors"] == [f"“{key[:30]}” is not a valid value."]


def test_a_cause_key_too_large_for_the_database_is_an_invalid_choice(cadre):
    from cases.forms import HardshipFileForm

    form = HardshipFileForm({"causes": [str(-(2**68))], "primary_cause": str(2**64)}, user=cadre)
    assert not form.is_valid()
    assert form.errors["causes"] == [f"“{str(-(2**68))}” is not a valid value."]
    assert form.errors["primary_cause"] == ["Select a valid choice. That choice is not one of the available choices."]
