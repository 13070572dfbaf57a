"""Every URL, every persona: in the object's unit, a sibling unit, above it, and nobody.

A new named URL without a row here fails `test_every_url_has_a_row`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory

PERSONAS = [
    "anonymous",
    "cadre",
    "cadre_other_branch",
    "branch_chair",
    "chair_other_branch",
    "federation_staff",
    "nobody",
]

# url name -> (args builder, {persona: expected GET status}); the file is a submitted file in group A1.
LOGIN = 302
MATRIX = {
    "dashboard": (lambda f: [], dict.fromkeys(PERSONAS[1:], 200) | {"anonymous": LOGIN}),
    "cases:file_list": (lambda f: [], dict.fromkeys(PERSONAS[1:], 200) | {"anonymous": LOGIN}),
    "cases:file_create": (
        lambda f: [],
        {
            "anonymous": LOGIN,
            "cadre": 200,
            "cadre_other_branch": 200,
            "branch_chair": 200,
            "chair_other_branch": 200,
            "federation_staff": 403,
            "nobody": 403,
        },
    ),
    "cases:file_detail": (
        lambda f: [f.pk],
        {
            "anonymous": LOGIN,
            "cadre": 200,
            "cadre_other_branch": 404,
            "branch_chair": 200,
            "chair_other_branch": 404,
            "federation_staff": 200,
            "nobody": 404,
        },
    ),
    "cases:file_history": (
        lambda f: [f.pk],
        {
            "anonymous": LOGIN,
            "cadre": 200,
            "cadre_other_branch": 404,
            "branch_chair": 200,
            "chair_other_branch": 404,
            "federation_staff": 200,
            "nobody": 404,
        },
    ),
    # 302: in scope but not allowed to change: back to the file page with a message.
    "cases:file_update": (
        lambda f: [f.pk],
        {
            "anonymous": LOGIN,
            "cadre": 200,
            "cadre_other_branch": 404,
            "branch_chair": 200,
            "chair_other_branch": 404,
            "federation_staff": 302,
            "nobody": 404,
        },
    ),
    "cases:plan_edit": (
        lambda f: [f.pk],
        {
            "anonymous": LOGIN,
            "cadre": 200,
            "cadre_other_branch": 404,
            "branch_chair": 200,
            "chair_other_branch": 404,
            "federation_staff": 302,
            "nobody": 404,
        },
    ),
    "cases:file_transition": (
        lambda f: [f.pk, "investigate"],
        {
            "anonymous": LOGIN,
            "cadre": 302,
            "cadre_other_branch": 404,
            "branch_chair": 200,
            "chair_other_branch": 404,
            "federation_staff": 302,
            "nobody": 404,
        },
    ),
    "login": (lambda f: [], {"anonymous": 200} | dict.fromkeys(PERSONAS[1:], 302)),
    # Logging out is POST only.
    "logout": (lambda f: [], dict.fromkeys(PERSONAS, 405)),
    "set_language": (lambda f: [], dict.fromkeys(PERSONAS, 302)),
}
# Django's admin has its own staff check (tested in test_admin_is_for_staff_only).
EXEMPT_NAMESPACES = {"admin"}


def _named_urls(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            names |= _named_urls(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    assert _named_urls() == set(MATRIX), "add the new URL to MATRIX with the expected status per persona"


@pytest.fixture
def submitted_file(group_a1, cadre):
    return HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.SUBMITTED)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_status_per_persona(
    request,
    client,
    submitted_file,
    cadre_other_branch,
    chair_other_branch,
    branch_chair,
    federation_staff,
    nobody,
    name,
    persona,
):
    build, expected = MATRIX[name]
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=build(submitted_file)))
    assert response.status_code == expected[persona], f"{name} as {persona}"


def test_admin_is_for_staff_only(client, branch_chair, file_a1):
    client.force_login(branch_chair)
    response = client.get(reverse("admin:cases_hardshipfile_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
