"""Passwords: Argon2, Django's validators, and a demo password that opens the demo data and nothing else."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.passwords import DEMO_PASSWORD
from hardship.settings import base
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def argon2(settings):
    """The hashers every environment but the test suite uses (the suite hashes with MD5 for speed)."""
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def login(username: str, password: str):
    return authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)


def without_demo_data(settings) -> None:
    settings.HARDSHIP = {**settings.HARDSHIP, "DEMO_DATA": False}


def test_new_passwords_are_hashed_with_argon2(argon2):
    user = UserFactory()
    user.set_password("a long passphrase 2026")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a long passphrase 2026")


def test_an_older_pbkdf2_hash_is_rehashed_with_argon2_at_login(argon2):
    user = UserFactory()
    user.password = make_password("a long passphrase 2026", hasher="pbkdf2_sha256")
    user.save()
    assert login(user.username, "a long passphrase 2026") == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (DEMO_PASSWORD, "This is the published demo password; choose another."),
        ("Demo-Pass-2025", "This is the published demo password; choose another."),
        ("short-pw", "This password is too short. It must contain at least 12 characters."),
        ("1234567890123", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
    ],
)
def test_validators_refuse_weak_and_demo_passwords(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, UserFactory.build())
    assert message in refused.value.messages


def test_a_good_password_passes_every_validator():
    validate_password("kunming-aid-ledger-77", UserFactory.build())


def test_the_demo_password_logs_in_only_where_demo_data_is_allowed(settings):
    user = UserFactory(password=DEMO_PASSWORD)
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert login(user.username, DEMO_PASSWORD) == user
    without_demo_data(settings)
    assert login(user.username, DEMO_PASSWORD) is None
    other = UserFactory()
    assert login(other.username, "pw-for-tests-1") == other


def test_seed_demo_refuses_to_run_where_demo_data_is_not_allowed(settings):
    without_demo_data(settings)
    with pytest.raises(CommandError, match="Demo data is not allowed"):
        call_command("seed_demo", files=1, verbosity=0)
    assert not UserFactory._meta.model.objects.filter(username="chair").exists()
