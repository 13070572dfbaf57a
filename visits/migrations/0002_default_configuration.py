"""Default configuration: outcome reasons, a monthly visit for every tier, and the holiday windows 2025-2027.

The windows are the State Council's public-holiday dates; 2027's are set from the
festival dates (New Year's Day, Spring Festival eve to the sixth day, Mid-Autumn
day) until the official notice is out; administrators adjust them in the admin.
"""

import datetime as dt

from django.db import migrations

REASONS = [
    ("found-work", "找到工作", "Found work", "improved"),
    ("recovered", "大病康复", "Recovered from illness", "improved"),
    ("child-graduated", "子女毕业", "Child graduated", "improved"),
    ("illness-worsened", "病情加重", "Illness worsened", "declined"),
    ("relative-illness-worsened", "亲属病情加重", "A close relative's illness worsened", "declined"),
    ("nobody-employed", "家庭无人就业", "Nobody in the family employed", "declined"),
    ("other", "其他", "Other", ""),
]
D = dt.date
HOLIDAYS = [
    ("new-year", "元旦", "New Year's Day", 2025, D(2025, 1, 1), D(2025, 1, 1)),
    ("spring-festival", "春节", "Spring Festival", 2025, D(2025, 1, 28), D(2025, 2, 4)),
    ("mid-autumn", "中秋节", "Mid-Autumn Festival", 2025, D(2025, 10, 1), D(2025, 10, 8)),
    ("new-year", "元旦", "New Year's Day", 2026, D(2026, 1, 1), D(2026, 1, 3)),
    ("spring-festival", "春节", "Spring Festival", 2026, D(2026, 2, 15), D(2026, 2, 23)),
    ("mid-autumn", "中秋节", "Mid-Autumn Festival", 2026, D(2026, 9, 25), D(2026, 9, 27)),
    ("new-year", "元旦", "New Year's Day", 2027, D(2027, 1, 1), D(2027, 1, 3)),
    ("spring-festival", "春节", "Spring Festival", 2027, D(2027, 2, 5), D(2027, 2, 11)),
    ("mid-autumn", "中秋节", "Mid-Autumn Festival", 2027, D(2027, 9, 15), D(2027, 9, 17)),
]


def forwards(apps, schema_editor):
    OutcomeReason = apps.get_model("visits", "OutcomeReason")
    Holiday = apps.get_model("visits", "Holiday")
    VisitFrequency = apps.get_model("visits", "VisitFrequency")
    Tier = apps.get_model("cases", "Tier")
    for order, (code, zh, en, outcome) in enumerate(REASONS, start=1):
        OutcomeReason.objects.update_or_create(
            code=code, defaults={"order": order, "name_zh": zh, "name_en": en, "outcome": outcome}
        )
    for code, zh, en, year, starts, ends in HOLIDAYS:
        Holiday.objects.update_or_create(
            code=code, year=year, defaults={"name_zh": zh, "name_en": en, "starts_on": starts, "ends_on": ends}
        )
    # The "two musts": every tier monthly until a union decides otherwise.
    for tier in Tier.objects.all():
        VisitFrequency.objects.get_or_create(tier=tier, defaults={"every_months": 1})


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial"), ("cases", "0002_default_configuration")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
