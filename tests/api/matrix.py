"""The API's rows of the permission matrix (tests/test_url_matrix.py), in the same persona order:
anonymous, cadre, cadre_a2 (sibling group), cadre_other_branch, branch_chair, chair_other_branch,
federation_staff, nobody. Anonymous callers get 401; out of scope is 404, as for the pages;
405 means the URL takes other methods than GET (their own tests check those per persona).
"""

from tests.factories import MemberFactory

NO_ARGS, FILE_ARG = (lambda f: []), (lambda f: [f.pk])
IN_FILE_SCOPE = (401, 200, 404, 404, 200, 404, 200, 404)
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200)

API_ROWS = {
    "api:token": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "api:schema": (NO_ARGS, EVERYONE),
    # The documentation pages are shells without data: the schema they load is for signed-in users.
    "api:docs": (NO_ARGS, (200,) * 8),
    "api:redoc": (NO_ARGS, (200,) * 8),
    "api:unit-list": (NO_ARGS, EVERYONE),
    "api:unit-detail": (lambda f: [f.unit_id], IN_FILE_SCOPE),
    "api:file-list": (NO_ARGS, EVERYONE),
    "api:file-detail": (FILE_ARG, IN_FILE_SCOPE),
    "api:file-members": (FILE_ARG, IN_FILE_SCOPE),
    "api:member-detail": (lambda f: [MemberFactory(file=f).pk], IN_FILE_SCOPE),
}
