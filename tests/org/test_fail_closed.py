"""When a user's scope cannot be determined, every scoped queryset is empty: never everything."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from org.models import Membership
from org.scoping import EMPTY_SCOPE, ScopedQuerySet, scope_for
from tests.factories import VisitFactory
from tests.funds.helpers import aid_args

pytestmark = pytest.mark.django_db


def _scoped_models() -> list:
    return [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]


@pytest.fixture
def data(file_a1):
    VisitFactory(file=file_a1)
    aid_args(file_a1)  # a draft aid request of the household
    return file_a1


def test_every_scoped_model_is_found():
    labels = {m._meta.label_lower for m in _scoped_models()}
    assert {"cases.hardshipfile", "cases.member", "visits.visit", "funds.aidrequest", "reports.report"} <= labels


@pytest.mark.parametrize("who", ["none", "anonymous", "no_role", "inactive", "unknown_role", "dead_unit"])
def test_an_undeterminable_scope_sees_nothing_of_any_model(request, data, cadre, group_a1, who):
    if who == "none":
        user = None
    elif who == "anonymous":
        user = AnonymousUser()
    elif who == "no_role":
        user = request.getfixturevalue("nobody")
    elif who == "inactive":
        cadre.is_active = False
        cadre.save()
        user = cadre
    elif who == "unknown_role":
        membership = Membership.objects.get(user=cadre)
        membership.role = "retired_role"  # a role the code no longer knows
        membership.save()
        user = cadre
    else:
        group_a1.is_active = False
        group_a1.save()
        user = cadre
    assert scope_for(user) == EMPTY_SCOPE
    for model in _scoped_models():
        assert not model._default_manager.visible_to(user).exists(), model._meta.label


def test_the_same_models_are_visible_with_a_known_scope(data, cadre):
    """The check above is not empty by construction: the same querysets find the cadre's rows."""
    visible = {m._meta.label_lower for m in _scoped_models() if m._default_manager.visible_to(cadre).exists()}
    assert {"cases.hardshipfile", "visits.visit", "funds.aidrequest"} <= visible
