"""Default configuration: the Yunnan four tiers, the common causes and the plan headings."""

from django.db import migrations

from cases.tier_schemes import load_scheme

CAUSES = [
    ("illness", "大病", "Serious illness"),
    ("disability", "残疾", "Disability"),
    ("schooling", "子女就学", "Children's schooling"),
    ("unemployment", "失业或就业不充分", "Unemployment or under-employment"),
    ("accident", "意外事故", "Accident"),
    ("disaster", "自然灾害", "Natural disaster"),
    ("housing", "住房困难", "Housing"),
    ("low-income", "收入低", "Low income"),
    ("breadwinner-death", "主要劳动力死亡", "Death of a breadwinner"),
]
HEADINGS = [
    ("policy", "政策帮扶", "Policy help"),
    ("legal", "法律服务", "Legal services"),
    ("material", "物质帮扶", "Material assistance"),
    ("employment", "就业创业", "Employment and entrepreneurship"),
    ("project", "项目服务", "Project services"),
]


def forwards(apps, schema_editor):
    Tier = apps.get_model("cases", "Tier")
    Cause = apps.get_model("cases", "Cause")
    MeasureHeading = apps.get_model("cases", "MeasureHeading")
    for row in load_scheme("yunnan"):
        Tier.objects.update_or_create(code=row["code"], defaults=row)
    for model, rows in ((Cause, CAUSES), (MeasureHeading, HEADINGS)):
        for order, (code, zh, en) in enumerate(rows, start=1):
            model.objects.update_or_create(code=code, defaults={"order": order, "name_zh": zh, "name_en": en})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
