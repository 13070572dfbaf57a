"""The Shougang warm-fund top-up on the default medical rule: what the 50,000-yuan cap cuts, up to 200,000 in all.

The medical rule pays by bands up to 50,000 yuan a request; the warm-fund
sub-fund carries the bands on above that (100% of what the cap cut), so that
the two together reach at most 200,000 yuan. A rule an administrator has
already given a top-up is left alone.
"""

from decimal import Decimal as D

from django.db import migrations


def forwards(apps, schema_editor):
    AmountRule = apps.get_model("funds", "AmountRule")
    FundKind = apps.get_model("funds", "FundKind")
    warm = FundKind.objects.filter(code="warm-sub-fund").first()
    if warm is None:
        return
    AmountRule.objects.filter(aid_type__code="medical", topup_kind__isnull=True).update(
        topup_kind=warm, topup_percent=D("100"), topup_fixed=D("0"), combined_cap=D("200000")
    )


class Migration(migrations.Migration):
    dependencies = [("funds", "0010_aid_topup")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
