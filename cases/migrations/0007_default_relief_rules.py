"""The published relief rule as the default: the per-capita figure above the local standard
for 6 consecutive months, or the assistance plan's goals met (a chair confirms either)."""

from decimal import Decimal

from django.db import migrations

RULES = [
    (10, "above_standard", Decimal("1.00"), 6),
    (20, "plan_goals_met", Decimal("1.00"), 6),
]


def forwards(apps, schema_editor):
    ReliefRule = apps.get_model("cases", "ReliefRule")
    if ReliefRule.objects.exists():
        return
    for priority, kind, factor, months in RULES:
        ReliefRule.objects.create(priority=priority, kind=kind, factor=factor, months=months)


def backwards(apps, schema_editor):
    apps.get_model("cases", "ReliefRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_relief_rules_and_proposals")]
    operations = [migrations.RunPython(forwards, backwards)]
