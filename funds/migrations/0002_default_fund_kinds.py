"""The five fund kinds unions report: special assistance, warm-sending, warm-fund sub-fund, education, condolence."""

from django.db import migrations

KINDS = [
    ("special", "专项帮扶资金", "Special assistance fund"),
    ("warm-sending", "送温暖资金", "Warm-sending fund"),
    ("warm-sub-fund", "温暖基金子基金", "Warm-fund sub-fund"),
    ("education", "助学资金", "Education aid fund"),
    ("condolence", "慰问资金", "Condolence fund"),
]


def forwards(apps, schema_editor):
    FundKind = apps.get_model("funds", "FundKind")
    for order, (code, zh, en) in enumerate(KINDS, start=1):
        FundKind.objects.update_or_create(code=code, defaults={"order": order, "name_zh": zh, "name_en": en})


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
