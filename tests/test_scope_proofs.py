"""§1 proofs over the whole URL matrix: out of scope is the same 404 as nonexistent, other trees see nothing,
and the matrix itself cannot miss a URL."""

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from org.models import Role, UnitKind
from tests.factories import UnitFactory, UserFactory
from tests.test_url_matrix import EXEMPT_NAMESPACES, MATRIX, PERSONAS, _named_urls

pytestmark = pytest.mark.django_db

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]
# Rows where some signed-in persona is refused with a 404: the object is out of their scope.
OUT_OF_SCOPE_ROWS = sorted(name for name, (_build, expected) in MATRIX.items() if 404 in expected.values())
# Rows about one object (the `nobody` persona, who reaches no unit, gets a 404).
OBJECT_ROWS = sorted(name for name, (_build, expected) in MATRIX.items() if expected["nobody"] == 404)


@pytest.fixture
def submitted_file(group_a1, cadre, cadre_a2, cadre_other_branch, branch_chair, chair_other_branch, federation_staff):
    """The matrix's file, with every persona of the matrix in place (some rows' builders need their units)."""
    from cases.workflow import FileStatus
    from tests.factories import HardshipFileFactory

    return HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.SUBMITTED)


@pytest.fixture
def other_federation(db):
    """A second federation: its staff and a branch chair are above and beside nothing of the first."""
    root = UnitFactory(name_zh="别的总工会", name_en="Other federation", kind=UnitKind.FEDERATION)
    branch = UnitFactory(name_zh="别的分会", name_en="Other branch", kind=UnitKind.BRANCH, parent=root)
    return {
        "staff": UserFactory(username="fed_other", roles=[(root, Role.FEDERATION_STAFF)]),
        "chair": UserFactory(username="chair_other_fed", roles=[(branch, Role.BRANCH_CHAIR)]),
    }


def _missing(args: list) -> list:
    """The same URL about objects that do not exist."""
    return [a + 10_000_000 if isinstance(a, int) else a for a in args]


@pytest.mark.parametrize("name", OUT_OF_SCOPE_ROWS)
def test_out_of_scope_is_the_same_404_as_nonexistent(request, client, submitted_file, name):
    build, expected = MATRIX[name]
    persona = next(p for p in SIGNED_IN if expected[p] == 404)
    args = build(submitted_file)
    client.force_login(request.getfixturevalue(persona))
    refused = client.get(reverse(name, args=args))
    missing = client.get(reverse(name, args=_missing(args)))
    assert refused.status_code == missing.status_code == 404, f"{name} as {persona}"
    assert refused.content == missing.content, f"{name}: the refusal must not tell the object exists"


@pytest.mark.parametrize("who", ["staff", "chair"])
@pytest.mark.parametrize("name", OBJECT_ROWS)
def test_another_federation_gets_404_for_every_object(client, submitted_file, other_federation, name, who):
    build, _expected = MATRIX[name]
    client.force_login(other_federation[who])
    assert client.get(reverse(name, args=build(submitted_file))).status_code == 404, name


@pytest.mark.parametrize("name", ["cases:file_list", "dashboard", "visits:my_visits", "funds:aid_list"])
def test_another_federation_cannot_list_or_count_the_household(client, submitted_file, other_federation, name):
    client.force_login(other_federation["staff"])
    page = client.get(reverse(name)).content.decode()
    assert submitted_file.name not in page and submitted_file.id_number not in page
    found = client.post(reverse("cases:file_list"), {"q": submitted_file.id_number}, follow=True)
    assert found.context["page"].items == []


# --- the matrix cannot miss a URL ------------------------------------------------------------------


def _extra_view(request):
    raise AssertionError("only resolved, never called")


urlpatterns = [*get_resolver().url_patterns, path("brand-new/", _extra_view, name="brand_new")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_url_without_a_row_is_noticed():
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        assert _named_urls() - set(MATRIX) == {"brand_new"}
    finally:
        clear_url_caches()


def _unnamed(resolver=None, prefix: str = "") -> list[str]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if (pattern.namespace or "") not in EXEMPT_NAMESPACES:
                found += _unnamed(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and not pattern.name and str(pattern.pattern):
            # An empty pattern is a fallback (the API's JSON 404 for unknown addresses): it serves no object.
            found.append(prefix + str(pattern.pattern))
    return found


def test_every_url_is_named_so_the_matrix_sees_it():
    assert _unnamed() == [], "name every URL pattern: an unnamed one escapes the permission matrix"


def test_every_persona_and_tree_position_is_in_the_matrix():
    """In the object's unit (cadre), a sibling group (cadre_a2), another branch, above (chair, staff), nobody."""
    assert set(PERSONAS) >= {"cadre", "cadre_a2", "cadre_other_branch", "branch_chair", "chair_other_branch",
                             "federation_staff", "nobody", "anonymous"}  # fmt: skip
    assert all(set(expected) == set(PERSONAS) for _build, expected in MATRIX.values())
