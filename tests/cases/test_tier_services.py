"""The tier suggestion on the file: recomputed on every save, followed unless a chair overrides it, in the history."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cases.history import file_history
from cases.models import HardshipFile, LivingStandard, Tier, TierRule
from cases.services import file_override_tier, file_save
from org.models import Locality
from tests.factories import UnitFactory

from .helpers import create_file, file_data, member

pytestmark = pytest.mark.django_db


def tier(code: str) -> Tier:
    return Tier.objects.get(code=code)


@pytest.fixture
def kunming(branch_a):
    """Branch A (and so its groups) in Kunming, with this year's standard of 660 yuan."""
    locality = Locality.objects.create(code="530100", name_zh="昆明市", name_en="Kunming")
    branch_a.locality = locality
    branch_a.save()
    LivingStandard.objects.create(locality=locality, year=timezone.localdate().year, monthly_amount=Decimal("660.00"))
    return locality


def save(hfile, by, members=None, **data):
    """Re-save a file through the service with some card fields changed."""
    hfile.refresh_from_db()
    causes = [fc.cause for fc in hfile.file_causes.all()]
    primary = next(fc.cause for fc in hfile.file_causes.all() if fc.is_primary)
    card = {name: getattr(hfile, name) for name in file_data()}
    card.update(data)
    return file_save(by=by, hfile=hfile, data=card, causes=causes, primary_cause=primary, members=members or [])


def test_a_new_file_gets_the_suggested_tier_not_the_one_typed(cadre, group_a1, kunming):
    # (500 + 600) × 12 / 12 / 2 = 550.00 a month, below 660: deep, whatever the cadre picked.
    hfile = create_file(
        by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"), tier=tier("general")
    )
    assert hfile.per_capita_net == Decimal("550.00")
    assert hfile.suggested_tier == tier("deep") and hfile.tier == tier("deep")
    assert hfile.tier_basis["standard"] == "660.00" and hfile.tier_basis["locality_zh"] == "昆明市"


def test_more_income_recomputes_the_tier(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))
    hfile = save(hfile, cadre, worker_income=Decimal("1000"))  # (1000 + 600) / 2 = 800: relative
    assert hfile.tier == tier("relative")


def test_a_new_member_recomputes_the_tier(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("1000"), other_income=Decimal("0"))
    assert hfile.tier == tier("relative")  # (1000 + 600) / 2 = 800
    hfile = save(hfile, cadre, members=[member(name="王小", relation="child", age=10, monthly_income=Decimal("0"))])
    assert hfile.household_size == 3 and hfile.per_capita_net == Decimal("533.33")
    assert hfile.tier == tier("deep")


def test_rigid_expenditure_lowers_the_figure(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("1000"), other_income=Decimal("0"))
    hfile = save(hfile, cadre, medical_costs=Decimal("4000"), schooling_costs=Decimal("800"))
    # (1600 × 12 − 4800) / 12 / 2 = 600.00
    assert hfile.per_capita_net == Decimal("600.00") and hfile.tier == tier("deep")


def test_an_entered_annual_income_replaces_twelve_months(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), annual_income=Decimal("48000"))
    assert hfile.per_capita_net == Decimal("2000.00")
    assert hfile.tier_basis["income_entered"] is True
    assert hfile.tier == tier("general")  # a cause applies


def test_hardship_costs_above_eighty_percent_are_accident_caused(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, annual_income=Decimal("48000"), hardship_costs=Decimal("38400.01"))
    assert hfile.tier == tier("accident")
    hfile = save(hfile, cadre, hardship_costs=Decimal("38400.00"))
    assert hfile.tier == tier("general")


def test_missing_standard_gives_no_suggestion_and_keeps_the_hand_set_tier(cadre, group_a1, kunming):
    LivingStandard.objects.all().delete()
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), tier=tier("general"))
    assert hfile.suggested_tier is None and hfile.tier == tier("general")
    assert hfile.tier_basis["missing"] == "standard"


def test_a_unit_without_locality_says_so(cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    assert hfile.suggested_tier is None and hfile.tier_basis["missing"] == "locality"


def test_a_unit_uses_its_nearest_ancestors_locality_in_one_query(federation, branch_a, group_a1, kunming):
    lijiang = Locality.objects.create(code="530700", name_zh="丽江市", name_en="Lijiang")
    federation.locality = lijiang
    federation.save()
    deep = UnitFactory(parent=UnitFactory(parent=UnitFactory(parent=group_a1)))
    deep.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        assert deep.effective_locality() == kunming
    assert len(ctx) == 1
    assert UnitFactory(parent=UnitFactory(parent=federation)).effective_locality() == lijiang


def test_rules_are_data(cadre, group_a1, kunming):
    TierRule.objects.filter(kind="below_standard", factor=Decimal("2.00")).update(factor=Decimal("1.50"))
    TierRule.objects.first().save()  # an edit in the admin drops the cached rules
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("1000"), other_income=Decimal("0"))
    assert hfile.per_capita_net == Decimal("800.00")
    assert hfile.tier == tier("relative")  # below 990
    hfile = save(hfile, cadre, worker_income=Decimal("1400"))  # 1000.00: above 1.5 × 660
    assert hfile.tier == tier("general")


def test_negative_rigid_expenditure_is_refused_and_nothing_saved(cadre, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1)
    with pytest.raises(ValidationError) as exc:
        save(hfile, cadre, medical_costs=Decimal("-1.00"), name="改名")
    assert "medical_costs" in exc.value.error_dict
    hfile.refresh_from_db()
    assert hfile.name != "改名" and hfile.medical_costs == 0


class TestOverride:
    def test_chair_overrides_with_a_reason_and_it_survives_recomputation(self, cadre, branch_chair, group_a1, kunming):
        hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))
        assert hfile.tier == tier("deep")
        file_override_tier(hfile=hfile, by=branch_chair, tier=tier("relative"), reason="入户调查：另有租金收入")
        hfile = save(hfile, cadre, worker_income=Decimal("400"))
        assert hfile.tier == tier("relative") and hfile.suggested_tier == tier("deep")
        assert hfile.overridden_by == branch_chair and hfile.tier_override_reason == "入户调查：另有租金收入"

    def test_following_the_suggestion_again_clears_the_override(self, cadre, branch_chair, group_a1, kunming):
        hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))
        file_override_tier(hfile=hfile, by=branch_chair, tier=tier("general"), reason="复核")
        hfile = file_override_tier(hfile=hfile, by=branch_chair, tier=None, reason="按建议")
        assert hfile.tier == tier("deep") and not hfile.tier_overridden and hfile.overridden_by is None

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_an_override_without_a_reason_is_refused(self, cadre, branch_chair, group_a1, kunming, reason):
        hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))
        with pytest.raises(ValidationError, match="Say why"):
            file_override_tier(hfile=hfile, by=branch_chair, tier=tier("general"), reason=reason)
        hfile.refresh_from_db()
        assert hfile.tier == tier("deep") and not hfile.tier_overridden

    def test_a_cadre_cannot_override(self, cadre, group_a1, kunming):
        hfile = create_file(by=cadre, unit=group_a1)
        with pytest.raises(PermissionDenied):
            file_override_tier(hfile=hfile, by=cadre, tier=tier("general"), reason="我觉得")
        assert not HardshipFile.objects.get(pk=hfile.pk).tier_overridden

    def test_another_branchs_chair_cannot_override(self, cadre, chair_other_branch, group_a1, kunming):
        hfile = create_file(by=cadre, unit=group_a1)
        with pytest.raises(PermissionDenied):
            file_override_tier(hfile=hfile, by=chair_other_branch, tier=tier("general"), reason="越权")

    def test_an_inactive_tier_is_refused(self, cadre, branch_chair, group_a1, kunming):
        hfile = create_file(by=cadre, unit=group_a1)
        Tier.objects.filter(code="general").update(is_active=False)
        with pytest.raises(ValidationError, match="no longer in use"):
            file_override_tier(hfile=hfile, by=branch_chair, tier=tier("general"), reason="旧档次")

    def test_following_a_missing_suggestion_is_refused(self, cadre, branch_chair, group_a1):
        hfile = create_file(by=cadre, unit=group_a1)
        with pytest.raises(ValidationError, match="no suggestion"):
            file_override_tier(hfile=hfile, by=branch_chair, tier=None, reason="按建议")


def test_every_tier_change_is_in_the_history(cadre, branch_chair, group_a1, kunming):
    hfile = create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))
    save(hfile, cadre, worker_income=Decimal("1000"))
    file_override_tier(hfile=hfile, by=branch_chair, tier=tier("general"), reason="调查后调整")
    with translation.override("en"):
        tier_changes = [(e.reason, c.old, c.new) for e in file_history(hfile) for c in e.changes if c.label == "Tier"]
    assert tier_changes == [
        ("调查后调整", "Relative hardship", "General hardship"),
        ("", "Deep hardship", "Relative hardship"),
    ]
