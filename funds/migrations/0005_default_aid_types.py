"""The eight aid types unions report, a Shougang-like medical rule, and a two-level default approval chain.

The medical rule pays step by step on the out-of-pocket cost (cost − insurance −
other aid): nothing below 5,000 yuan, then 30%, 40%, 50% and 60% in rising bands,
20% more for a malignant tumour or an organ transplant, at most 50,000 yuan a
request and a year. Education follows Shougang's stages; the amounts are
placeholders an administrator adjusts. The chain: the household's branch chair
approves every request, federation staff those above 5,000 yuan.
"""

from decimal import Decimal as D

from django.db import migrations

TYPES = [
    ("living", "生活救助", "Living assistance", "none", True),
    ("medical", "医疗救助", "Medical assistance", "medical", True),
    ("education", "助学", "Education aid", "education", True),
    ("temporary", "临时救助", "Temporary relief", "none", False),
    ("disaster", "灾害救助", "Disaster relief", "disaster", True),
    ("condolence", "节日慰问", "Holiday condolence", "none", True),
    ("work-study", "勤工助学", "Work-study subsidy", "education", True),
    ("other", "其他", "Other", "none", True),
]
MEDICAL_BANDS = [
    (D("0"), D("5000"), D("0")),
    (D("5000"), D("20000"), D("0.30")),
    (D("20000"), D("50000"), D("0.40")),
    (D("50000"), D("100000"), D("0.50")),
    (D("100000"), None, D("0.60")),
]
EDUCATION_TABLE = {
    "preschool": D("1000"),
    "primary": D("1000"),
    "junior": D("1500"),
    "senior": D("2000"),
    "vocational": D("2000"),
    "college": D("3000"),
    "postgraduate": D("3000"),
}
FIXED = {"living": D("2000"), "condolence": D("500"), "temporary": D("1000"), "disaster": D("3000")}


def forwards(apps, schema_editor):
    AidType = apps.get_model("funds", "AidType")
    AmountRule = apps.get_model("funds", "AmountRule")
    ApprovalStep = apps.get_model("funds", "ApprovalStep")
    for order, (code, zh, en, facts, filed_only) in enumerate(TYPES, start=1):
        AidType.objects.update_or_create(
            code=code, defaults={"order": order, "name_zh": zh, "name_en": en, "facts": facts, "filed_only": filed_only}
        )
    medical, created = AmountRule.objects.get_or_create(
        aid_type=AidType.objects.get(code="medical"),
        defaults={"kind": "bands", "per_request_cap": D("50000"), "uplift_percent": D("20"), "yearly_cap": D("50000")},
    )
    if created:
        for lower, upper, rate in MEDICAL_BANDS:
            medical.bands.create(lower=lower, upper=upper, rate=rate)
    education, created = AmountRule.objects.get_or_create(
        aid_type=AidType.objects.get(code="education"), defaults={"kind": "table", "yearly_cap": D("3000")}
    )
    if created:
        for category, amount in EDUCATION_TABLE.items():
            education.table_rows.create(category=category, amount=amount)
    for code, amount in FIXED.items():
        AmountRule.objects.get_or_create(
            aid_type=AidType.objects.get(code=code), defaults={"kind": "fixed", "fixed_amount": amount}
        )
    if not ApprovalStep.objects.filter(aid_type__isnull=True).exists():
        ApprovalStep.objects.create(level=1, applies_above=D("0"), role="branch_chair", unit_kind="branch")
        ApprovalStep.objects.create(level=2, applies_above=D("5000"), role="federation_staff", unit_kind="federation")


class Migration(migrations.Migration):
    dependencies = [("funds", "0004_aid_requests")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
