"""Many households due a visit, each with a helper of its own, so a monthly run writes one digest per household.

Written in a few set-based statements (the factories would take minutes for ten thousand).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from cases.models import AssistancePlan, HardshipFile, PlanHelper
from org.models import Membership, Role
from tests.visits.conftest import filed_file


def households_due(unit, n: int) -> list[int]:
    """`n` filed households of `unit` due their monthly visit this month; returns their helpers' ids, in order."""
    template = filed_file(unit, filed_on=timezone.localdate() - dt.timedelta(days=400))
    fields = [f for f in HardshipFile._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join("'9' || lpad(g::text, 17, '0')" if f.name == "id_number" else quote(f.column) for f in fields)
    plans = AssistancePlan._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {HardshipFile._meta.db_table} ({columns}) SELECT {values}"  # noqa: S608
            f" FROM {HardshipFile._meta.db_table}, generate_series(1, %s) g WHERE id = %s",
            [n - 1, template.pk],
        )
        cursor.execute(
            f"INSERT INTO {plans} (file_id, goal, guarantees, updated_at)"  # noqa: S608
            " SELECT id, '目标', '[]', now() FROM cases_hardshipfile WHERE unit_id = %s ORDER BY id",
            [unit.pk],
        )
    user_model = get_user_model()
    users = [user_model(username=f"due{i:05d}", first_name=f"{i:05d}", last_name="帮", password="!") for i in range(n)]
    user_model.objects.bulk_create(users, batch_size=2000)
    Membership.objects.bulk_create([Membership(user=u, unit=unit, role=Role.CADRE) for u in users], batch_size=2000)
    plan_ids = AssistancePlan.objects.filter(file__unit=unit).order_by("pk").values_list("pk", flat=True)
    PlanHelper.objects.bulk_create(
        [PlanHelper(plan_id=p, user=u, duty="工会干部") for p, u in zip(plan_ids, users, strict=True)], batch_size=2000
    )
    return [u.pk for u in users]
