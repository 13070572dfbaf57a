"""Default tier rules, ACFTU-style, mapped to the Yunnan tiers by code.

Deep hardship below the local standard, relative hardship below twice the
standard, accident-caused hardship when the year's hardship-causing costs exceed
80% of the annual income, general hardship where any cause applies. A rule whose
tier code is missing (another scheme installed) is left out.
"""

from decimal import Decimal

from django.db import migrations

RULES = [
    (10, "below_standard", Decimal("1.00"), "deep"),
    (20, "below_standard", Decimal("2.00"), "relative"),
    (30, "costs_above_share", Decimal("80.00"), "accident"),
    (40, "cause_applies", None, "general"),
]


def forwards(apps, schema_editor):
    Tier = apps.get_model("cases", "Tier")
    TierRule = apps.get_model("cases", "TierRule")
    if TierRule.objects.exists():
        return
    tiers = {t.code: t for t in Tier.objects.all()}
    for priority, kind, factor, code in RULES:
        if code in tiers:
            TierRule.objects.create(priority=priority, kind=kind, factor=factor, tier=tiers[code])


def backwards(apps, schema_editor):
    apps.get_model("cases", "TierRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_tier_suggestion")]
    operations = [migrations.RunPython(forwards, backwards)]
