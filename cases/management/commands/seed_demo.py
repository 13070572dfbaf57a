"""Demo data: a federation with branches, groups, a user of each role and files in every state.

`seed_demo` is idempotent: it creates the organisation and users once, tops
the files up to the number asked for, then runs the demo steps other apps
register in their `demo` module (funds: funds down the tree, aid requests). `--files 200000` switches to bulk inserts
for benchmarks (no per-row history, as an import would).
"""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from accounts.passwords import DEMO_PASSWORD, demo_data_allowed
from cases.demo import DEMO_STEPS, DemoPeople, bulk_files, demo_file_through_services
from cases.models import HardshipFile, LivingStandard
from org.models import Locality, Membership, Role, Unit, UnitKind

BRANCHES = [
    ("机械制造分会", "Machinery branch", ["铸造小组", "装配小组", "机修小组"]),
    ("纺织服装分会", "Textiles branch", ["纺纱小组", "织布小组"]),
    ("交通运输分会", "Transport branch", ["公交小组", "货运小组", "维修小组"]),
]
DEMO_USERS = [
    # username, full name, role, unit key ("fed", branch index, or (branch, group))
    ("admin", "系统管理员", Role.ADMINISTRATOR, "fed"),
    ("federation", "周敏", Role.FEDERATION_STAFF, "fed"),
    ("chair", "李建国", Role.BRANCH_CHAIR, 0),
    ("chair2", "王秀英", Role.BRANCH_CHAIR, 1),
    ("chair3", "赵志强", Role.BRANCH_CHAIR, 2),
    ("cadre", "张伟", Role.CADRE, (0, 0)),
    ("cadre2", "刘芳", Role.CADRE, (0, 1)),
    ("cadre3", "陈静", Role.CADRE, (1, 0)),
    ("cadre4", "杨磊", Role.CADRE, (2, 0)),
]


class Command(BaseCommand):
    help = "Create the demo federation, a user of each role, and hardship files (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--files", type=int, default=200, help="Total number of files wanted.")
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, files: int, seed: int, **options) -> None:
        if not demo_data_allowed():
            raise CommandError("Demo data is not allowed with these settings (HARDSHIP['DEMO_DATA'] is off).")
        rng = random.Random(seed)
        with transaction.atomic():
            federation, groups = self._organisation()
            people = self._users(federation, groups)
        self._files(files, federation, groups, people, rng)
        autodiscover_modules("demo")
        for step in DEMO_STEPS:
            self.stdout.write(step(federation=federation, groups=groups, people=people))

    def _files(self, files: int, federation: Unit, groups: list[list[Unit]], people: DemoPeople, rng) -> None:
        have = HardshipFile.objects.filter(federation=federation).count()
        wanted = files - have
        if wanted <= 0:
            self.stdout.write(f"Demo data present: {have} files.")
            return
        if wanted > 1000:
            made = bulk_files(
                groups=[g for gs in groups for g in gs],
                count=wanted,
                start=have,
                rng=rng,
                created_by=people.by_username["cadre"],
                log=self.stdout.write,
            )
        else:
            for i in range(have, files):
                demo_file_through_services(index=i, rng=rng, people=people, groups=groups)
            made = wanted
        self.stdout.write(self.style.SUCCESS(f"Created {made} files (now {have + made})."))

    def _locality(self) -> Locality:
        """The demo city with its minimum living standard for this year and the last."""
        city, _ = Locality.objects.get_or_create(code="530100", defaults={"name_zh": "昆明市", "name_en": "Kunming"})
        year = timezone.localdate().year
        for y, amount in ((year - 1, Decimal("800.00")), (year, Decimal("830.00"))):
            LivingStandard.objects.get_or_create(locality=city, year=y, defaults={"monthly_amount": amount})
        return city

    def _organisation(self) -> tuple[Unit, list[list[Unit]]]:
        federation, _ = Unit.objects.get_or_create(
            parent=None,
            name_zh="示范市总工会",
            defaults={"name_en": "Demo City Federation of Trade Unions", "kind": UnitKind.FEDERATION},
        )
        if federation.locality_id is None:
            federation.locality = self._locality()
            federation.save(update_fields=["locality"])
        groups = []
        for zh, en, group_names in BRANCHES:
            branch, _ = Unit.objects.get_or_create(
                parent=federation, name_zh=zh, defaults={"name_en": en, "kind": UnitKind.BRANCH}
            )
            groups.append(
                [
                    Unit.objects.get_or_create(parent=branch, name_zh=g, defaults={"kind": UnitKind.GROUP})[0]
                    for g in group_names
                ]
            )
        return federation, groups

    def _users(self, federation: Unit, groups: list[list[Unit]]) -> DemoPeople:
        User = get_user_model()
        by_username = {}
        for username, full_name, role, where in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": full_name[1:], "last_name": full_name[0]}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
                user.save()
            if where == "fed":
                unit = federation
            elif isinstance(where, int):
                unit = groups[where][0].parent
            else:
                unit = groups[where[0]][where[1]]
            Membership.objects.get_or_create(user=user, unit=unit, role=role)
            by_username[username] = user
        return DemoPeople(by_username=by_username)
