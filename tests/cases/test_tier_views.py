"""The "why" panel on the file page and the chair's tier override page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import HardshipFile, LivingStandard, Tier
from cases.services import file_override_tier
from org.models import Locality

from .helpers import create_file
from .test_query_counts import FILE_PAGE_MAX, count_queries
from .test_views import post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def kunming(branch_a):
    locality = Locality.objects.create(code="530100", name_zh="昆明市", name_en="Kunming")
    branch_a.locality = locality
    branch_a.save()
    LivingStandard.objects.create(locality=locality, year=timezone.localdate().year, monthly_amount=Decimal("660.00"))
    return locality


@pytest.fixture
def deep_file(cadre, group_a1, kunming):
    # (500 + 600) / 2 = 550.00 a month: deep hardship.
    return create_file(by=cadre, unit=group_a1, worker_income=Decimal("500"), other_income=Decimal("0"))


def tier_url(hfile) -> str:
    return reverse("cases:file_tier", args=[hfile.pk])


class TestWhyPanel:
    def test_the_file_page_explains_the_tier_in_english(self, client_for, cadre, deep_file):
        page = client_for(cadre).get(deep_file.get_absolute_url()).content.decode()
        assert "Why this tier" in page
        assert "¥550.00 per person per month" in page
        assert "Minimum living standard used: ¥660.00 per person per month (Kunming, " in page
        assert "If the per-capita figure rose to ¥660.00 or more, the tier would be Relative hardship." in page
        assert "Override the tier" not in page  # cadres cannot

    def test_the_file_page_explains_the_tier_in_chinese(self, client_for, cadre, deep_file):
        page = client_for(cadre, "zh-hans").get(deep_file.get_absolute_url()).content.decode()
        assert "昆明市" in page and "¥660.00" in page and "深度困难" in page
        assert "Minimum living standard" not in page

    def test_a_missing_standard_is_explained(self, client_for, cadre, group_a1, kunming):
        LivingStandard.objects.all().delete()
        hfile = create_file(by=cadre, unit=group_a1)
        page = client_for(cadre).get(hfile.get_absolute_url()).content.decode()
        assert f"No minimum living standard is recorded for Kunming for {timezone.localdate().year}" in page

    def test_an_override_shows_who_and_why(self, client_for, branch_chair, deep_file):
        file_override_tier(
            hfile=deep_file, by=branch_chair, tier=Tier.objects.get(code="relative"), reason="另有租金收入"
        )
        page = client_for(branch_chair).get(deep_file.get_absolute_url()).content.decode()
        assert "instead of the suggestion" in page and "另有租金收入" in page
        assert "Override the tier" in page

    def test_an_overridden_file_page_costs_what_any_file_page_costs(
        self, client_for, branch_chair, cadre, group_a1, kunming, deep_file
    ):
        client = client_for(branch_chair)
        plain = create_file(by=cadre, unit=group_a1)
        file_override_tier(hfile=deep_file, by=branch_chair, tier=Tier.objects.get(code="general"), reason="复核")
        assert count_queries(client, deep_file.get_absolute_url()) == count_queries(client, plain.get_absolute_url())
        assert count_queries(client, deep_file.get_absolute_url()) <= FILE_PAGE_MAX


class TestOverridePage:
    def test_chair_overrides_with_a_reason(self, client_for, branch_chair, deep_file):
        client = client_for(branch_chair)
        assert client.get(tier_url(deep_file)).status_code == 200
        general = Tier.objects.get(code="general")
        response = client.post(tier_url(deep_file), {"tier": general.pk, "reason": "入户调查另有收入"})
        assert response.status_code == 302
        deep_file.refresh_from_db()
        assert deep_file.tier == general and deep_file.overridden_by == branch_chair

    def test_an_override_without_a_reason_is_refused(self, client_for, branch_chair, deep_file):
        general = Tier.objects.get(code="general")
        response = client_for(branch_chair).post(tier_url(deep_file), {"tier": general.pk, "reason": "  "})
        assert response.status_code == 200
        assert "Say why the tier differs from the suggestion." in response.content.decode()
        deep_file.refresh_from_db()
        assert deep_file.tier.code == "deep" and not deep_file.tier_overridden

    def test_a_cadre_is_sent_back_and_nothing_changes(self, client_for, cadre, deep_file):
        client = client_for(cadre)
        assert client.get(tier_url(deep_file)).status_code == 302
        general = Tier.objects.get(code="general")
        response = client.post(tier_url(deep_file), {"tier": general.pk, "reason": "我觉得"}, follow=True)
        assert "Only a branch chair may override the tier" in response.content.decode()
        assert HardshipFile.objects.get(pk=deep_file.pk).tier.code == "deep"

    @pytest.mark.parametrize("persona", ["chair_other_branch", "cadre_other_branch", "cadre_a2", "nobody"])
    def test_out_of_scope_is_not_found_and_changes_nothing(self, request, client_for, deep_file, persona):
        client = client_for(request.getfixturevalue(persona))
        general = Tier.objects.get(code="general")
        assert client.get(tier_url(deep_file)).status_code == 404
        assert client.post(tier_url(deep_file), {"tier": general.pk, "reason": "越权"}).status_code == 404
        assert HardshipFile.objects.get(pk=deep_file.pk).tier.code == "deep"

    def test_a_closed_file_cannot_be_overridden(self, client_for, branch_chair, deep_file):
        HardshipFile.objects.filter(pk=deep_file.pk).update(status="closed")
        assert client_for(branch_chair).get(tier_url(deep_file)).status_code == 302


class TestCardForm:
    def test_the_years_figures_are_entered_on_the_card(self, client_for, cadre, group_a1, kunming):
        data = post_data(
            group_a1.pk,
            worker_income="3000.00",
            annual_income="36000.00",
            medical_costs="30000.00",
            schooling_costs="",
            disaster_losses="",
            hardship_costs="",
        )
        response = client_for(cadre).post(reverse("cases:file_create"), data)
        assert response.status_code == 302
        hfile = HardshipFile.objects.get(id_number=data["id_number"])
        assert hfile.per_capita_net == Decimal("500.00") and hfile.tier.code == "deep"
        assert hfile.schooling_costs == 0

    def test_a_negative_cost_is_refused_on_the_form(self, client_for, cadre, group_a1, kunming):
        data = post_data(group_a1.pk, disaster_losses="-5.00")
        response = client_for(cadre).post(reverse("cases:file_create"), data)
        assert response.status_code == 200
        assert not HardshipFile.objects.filter(id_number=data["id_number"]).exists()


def test_administrators_edit_standards_and_rules_in_the_admin(client, kunming):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for name in ("cases_livingstandard", "cases_tierrule", "org_locality"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200
