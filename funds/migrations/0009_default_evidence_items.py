"""The evidence checklists unions ask for, on the default aid types; administrators adjust them in the admin.

Validity in days counts back from the submission: a diagnosis older than half a
year, or an income certificate older than three months, no longer shows the
household's situation. The household register (户口簿) is seen on paper: its
copy is not kept. Holiday condolence and "other" need no documents by default.
"""

from django.db import migrations

REGISTER = ("户口簿", "Household register", True, None, True)
INCOME = ("收入证明或单位证明", "Income proof or employer certificate", True, 90, False)
# aid type code: [(name_zh, name_en, required, valid_days, paper_allowed), ...]
ITEMS = {
    "medical": [
        ("诊断证明", "Diagnosis proof", True, 180, False),
        ("医疗费用票据", "Hospital bills", True, 365, False),
        ("医保报销结算单", "Insurance settlement statement", False, 365, False),
        REGISTER,
    ],
    "living": [INCOME, REGISTER],
    "temporary": [INCOME, REGISTER],
    "education": [("录取通知书或在读证明", "Admission notice or enrolment certificate", True, 365, False), REGISTER],
    "work-study": [("在读证明", "Enrolment certificate", True, 365, False)],
    "disaster": [("灾情或事故证明", "Proof of the disaster or accident", True, 90, False), REGISTER],
}


def forwards(apps, schema_editor):
    AidType = apps.get_model("funds", "AidType")
    EvidenceItem = apps.get_model("funds", "EvidenceItem")
    for code, items in ITEMS.items():
        aid_type = AidType.objects.filter(code=code).first()
        if aid_type is None or EvidenceItem.objects.filter(aid_type=aid_type).exists():
            continue
        for order, (zh, en, required, valid_days, paper) in enumerate(items, start=1):
            EvidenceItem.objects.create(
                aid_type=aid_type, order=order, name_zh=zh, name_en=en, required=required, valid_days=valid_days,
                paper_allowed=paper,
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("funds", "0008_evidence_checklist")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
