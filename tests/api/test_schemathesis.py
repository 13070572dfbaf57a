"""Schemathesis against the live schema: a cadre with data calls every operation with generated input.

The schema is read from the running app (/api/v1/schema/), the calls go through the WSGI application to
the real database, signed in with a real token. No call may give a server error, a status or content type
the schema does not document, or a body that breaks the schema. Examples are few, so `make test` stays fast;
SCHEMATHESIS_EXAMPLES raises them for a longer hunt.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_create
from cases.workflow import FileStatus
from funds.services import aid_request_create
from notices.models import Notification
from reports.models import Report
from tests.factories import HardshipFileFactory, MemberFactory, VisitAttachmentFactory, VisitFactory, funded
from tests.funds.helpers import medical

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(db, cadre, settings):
    settings.API = {**settings.API, "THROTTLE_USER": "100000/minute"}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return token_create(user=cadre).key


@pytest.fixture
def real_ids(cadre, branch_chair, group_a1) -> dict[str, int]:
    """One object of each kind in the cadre's group: the id a path of that kind is called with in the second pass."""
    hfile = HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.FILED)
    visit = VisitFactory(file=hfile)
    aid = aid_request_create(hfile=hfile, data=medical(funded(group_a1, "5000.00")), by=cadre)
    report = Report.objects.create(kind="annual_summary", unit=group_a1, params={"year": 2025}, language="en",
                                   key="st", title="T", requested_by=cadre)  # fmt: skip
    return {
        "units": group_a1.pk,
        "files": hfile.pk,
        "members": MemberFactory(file=hfile).pk,
        "visits": visit.pk,
        "attachments": VisitAttachmentFactory(visit=visit).pk,
        "aid-requests": aid.pk,
        "notifications": Notification.objects.create(user=cadre, kind="visits.monthly").pk,
        "reports": report.pk,
    }


@pytest.fixture
def _connection_kept():
    """Like Django's test client: the test's transaction holds the connection, so requests must not close it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(token, _connection_kept):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", get_wsgi_application(), headers={"Authorization": f"Token {token}"}
    )
    return schema


@pytest.mark.parametrize("real", [False, True], ids=["any-id", "real-id"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_answers_within_its_schema(api_schema, token, real_ids, mode, real):
    """Every operation, with input the schema allows (valid) and input it forbids (invalid); ids generated, or
    (real-id) the id of an object of the caller's units, so the generated bodies reach the forms and services."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        kind = operation.path.split("/")[3]
        fixed = {"id": real_ids[kind]} if real and "{id}" in operation.path else None
        if real and fixed is None:
            continue

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case):
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        try:
            call()
        except Unsatisfiable:
            # Nothing of this operation can be made invalid (a list without parameters): its valid run covers it.
            assert mode == GenerationMode.NEGATIVE, operation.label
