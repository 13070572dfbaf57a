"""Recomputing a locality's tier suggestions in bulk after its living standard changed."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cases.models import HardshipFile, LivingStandard, Tier
from cases.services import file_override_tier, file_transition
from cases.tier_bulk import tiers_recompute_for_locality, units_of_locality
from cases.workflow import CloseReason, FileAction
from org.models import Locality
from tests.factories import UnitFactory, UserFactory

from .helpers import create_file

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def tier(code: str) -> Tier:
    return Tier.objects.get(code=code)


@pytest.fixture
def kunming(branch_a):
    locality = Locality.objects.create(code="530100", name_zh="昆明市", name_en="Kunming")
    branch_a.locality = locality
    branch_a.save()
    LivingStandard.objects.create(locality=locality, year=YEAR, monthly_amount=Decimal("660.00"))
    return locality


@pytest.fixture
def files(cadre, group_a1, kunming):
    """Three households at 700 a month each: relative hardship under 660, deep once the standard passes 700."""
    return [
        create_file(by=cadre, unit=group_a1, worker_income=Decimal("800"), other_income=Decimal("0")) for _i in range(3)
    ]  # (800 + 600) / 2 = 700


def raise_standard(locality, amount: str = "720.00") -> None:
    LivingStandard.objects.filter(locality=locality, year=YEAR).update(monthly_amount=Decimal(amount))


def test_a_new_standard_moves_the_suggestions_and_the_history_says_why(files, kunming):
    assert {f.tier for f in files} == {tier("relative")}
    raise_standard(kunming)
    result = tiers_recompute_for_locality(locality=kunming, chunk=2)
    assert (result.seen, result.changed) == (3, 3)
    for hfile in HardshipFile.objects.all():
        assert hfile.suggested_tier == tier("deep") and hfile.tier == tier("deep")
        assert hfile.tier_basis["standard"] == "720.00"
        latest = hfile.history.first()
        assert latest.history_user is None and "昆明市" in latest.history_change_reason


def test_a_second_run_changes_nothing(files, kunming):
    raise_standard(kunming)
    tiers_recompute_for_locality(locality=kunming)
    rows = sum(h.history.count() for h in HardshipFile.objects.all())
    assert tiers_recompute_for_locality(locality=kunming, chunk=1).changed == 0
    assert sum(h.history.count() for h in HardshipFile.objects.all()) == rows


def test_other_localities_and_closed_files_are_left_alone(files, kunming, cadre, branch_chair, group_b1):
    other = create_file(by=UserFactory(roles=[(group_b1, "cadre")]), unit=group_b1)
    closed = files[0]
    file_transition(hfile=closed, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.INELIGIBLE)
    before = HardshipFile.objects.get(pk=other.pk).tier_basis
    raise_standard(kunming)
    assert tiers_recompute_for_locality(locality=kunming).seen == 2
    assert HardshipFile.objects.get(pk=other.pk).tier_basis == before
    assert HardshipFile.objects.get(pk=closed.pk).tier == tier("relative")


def test_an_overridden_tier_is_kept_while_the_suggestion_moves(files, kunming, branch_chair):
    file_override_tier(hfile=files[0], by=branch_chair, tier=tier("general"), reason="实地核实")
    raise_standard(kunming)
    tiers_recompute_for_locality(locality=kunming)
    hfile = HardshipFile.objects.get(pk=files[0].pk)
    assert hfile.suggested_tier == tier("deep") and hfile.tier == tier("general")


def test_the_file_list_order_is_not_disturbed(files, kunming):
    stamps = dict(HardshipFile.objects.values_list("pk", "updated_at"))
    raise_standard(kunming)
    tiers_recompute_for_locality(locality=kunming)
    assert dict(HardshipFile.objects.values_list("pk", "updated_at")) == stamps


def test_a_unit_with_its_own_locality_is_not_its_parents(kunming, branch_a, group_a1):
    elsewhere = Locality.objects.create(code="530400", name_zh="玉溪市", name_en="Yuxi")
    own = UnitFactory(parent=branch_a, locality=elsewhere)
    below = UnitFactory(parent=own)
    ids = set(units_of_locality(kunming))
    assert {branch_a.pk, group_a1.pk} <= ids and not {own.pk, below.pk} & ids
    assert set(units_of_locality(elsewhere)) == {own.pk, below.pk}


def test_the_command_names_a_locality_or_all(files, kunming):
    raise_standard(kunming)
    out = io.StringIO()
    call_command("recompute_tiers", "530100", "--chunk", "2", stdout=out)
    assert "3 files, 3 suggestions changed" in out.getvalue()
    out = io.StringIO()
    call_command("recompute_tiers", "--all", stdout=out)
    assert "0 suggestions changed" in out.getvalue()


@pytest.mark.parametrize(
    "args", [["999999"], [], ["530100", "--all"], ["530100", "--chunk", "0"]], ids=["unknown", "none", "both", "chunk"]
)
def test_the_command_refuses_bad_arguments(files, kunming, args):
    raise_standard(kunming)
    with pytest.raises(CommandError):
        call_command("recompute_tiers", *args, stdout=io.StringIO())
    assert {f.tier for f in HardshipFile.objects.all()} == {tier("relative")}


def test_saving_this_years_standard_in_the_admin_recomputes(client, files, kunming):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    standard = LivingStandard.objects.get(locality=kunming, year=YEAR)
    url = reverse("admin:cases_livingstandard_change", args=[standard.pk])
    data = {"locality": kunming.pk, "year": YEAR, "monthly_amount": "720.00", "note": "新标准"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    assert {f.tier for f in HardshipFile.objects.all()} == {tier("deep")}
