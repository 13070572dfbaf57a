"""The field-level privacy policy: full values for the roles that need them over the unit, masks for the rest."""

import pytest

from org.privacy import Field, can_see, mask, mask_id, mask_name, mask_phone, shown

ID = "110101199003077777"


def test_masks_hide_the_middle():
    assert mask_id(ID) == "110101********7777"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_phone("13812345678") == "138****5678"
    assert mask(Field.HEALTH, "糖尿病") == "***"
    assert mask(Field.PHONE, "") == ""


@pytest.mark.django_db
def test_cadre_and_chair_see_identity_in_their_units(cadre, branch_chair, group_a1):
    assert can_see(cadre, Field.ID_NUMBER, group_a1)
    assert can_see(branch_chair, Field.PHONE, group_a1)
    assert shown(cadre, Field.ID_NUMBER, group_a1, ID) == ID


@pytest.mark.django_db
def test_out_of_scope_and_federation_staff_get_masks(cadre_other_branch, federation_staff, nobody, group_a1):
    assert shown(cadre_other_branch, Field.ID_NUMBER, group_a1, ID) == mask_id(ID)
    assert not can_see(federation_staff, Field.ID_NUMBER, group_a1)
    assert can_see(federation_staff, Field.INCOME, group_a1)
    assert not can_see(nobody, Field.INCOME, group_a1)
    assert not can_see(federation_staff, Field.INCOME, None)


@pytest.mark.django_db
def test_settings_can_change_who_sees_what(settings, federation_staff, group_a1):
    settings.PRIVACY_FULL_VIEW = {Field.ID_NUMBER: ["federation_staff"]}
    assert can_see(federation_staff, Field.ID_NUMBER, group_a1)
