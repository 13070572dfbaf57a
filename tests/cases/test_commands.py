import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from cases.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from cases.models import FileEvent, HardshipFile, Tier
from cases.workflow import FileStatus
from org.models import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_every_role_can_log_in():
    call_command("seed_demo", files=40, verbosity=0)
    call_command("seed_demo", files=40, verbosity=0)
    assert HardshipFile.objects.count() == 40
    assert {s for s in HardshipFile.objects.values_list("status", flat=True)} >= {FileStatus.DRAFT, FileStatus.FILED}
    roles = set()
    for username, _name, role, _where in DEMO_USERS:
        assert authenticate(RequestFactory().post("/"), username=username, password=DEMO_PASSWORD) is not None
        roles.add(role)
    assert roles == set(Role.values)
    # Demo files went through the real services: every one has its lifecycle events.
    assert FileEvent.objects.filter(action="create").count() == 40


def test_bulk_seed_makes_consistent_files():
    call_command("seed_demo", files=1200, verbosity=0)
    assert HardshipFile.objects.count() == 1200
    sample = HardshipFile.objects.order_by("?")[:20]
    for hfile in sample:
        assert hfile.file_causes.filter(is_primary=True).count() == 1


def test_switching_to_the_dexing_scheme_retires_the_yunnan_tiers():
    call_command("use_tier_scheme", "dexing", verbosity=0)
    active = list(Tier.objects.filter(is_active=True).order_by("order").values_list("name_zh", flat=True))
    assert active == ["特困户", "困难户", "准困难户", "困难边缘户", "大病职工", "帮扶助学"]
    assert Tier.objects.filter(code="deep", is_active=False).exists()
    call_command("use_tier_scheme", "yunnan", verbosity=0)
    assert Tier.objects.filter(is_active=True).count() == 4


def test_demo_logins_prints_every_user(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert all(username in out for username, *_ in DEMO_USERS) and DEMO_PASSWORD in out
