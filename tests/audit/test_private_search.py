"""No name or ID number in a URL: searches post their text, which waits in the session behind a token."""

import logging

import pytest
from django.urls import reverse

from audit.request_id import RequestIdFilter
from tests.factories import HardshipFileFactory

pytestmark = pytest.mark.django_db


def test_a_search_by_id_number_leaves_the_number_out_of_the_url(client_for, cadre, file_a1, group_a1):
    HardshipFileFactory(unit=group_a1)
    client = client_for(cadre)
    response = client.post(reverse("cases:file_list"), {"q": file_a1.id_number, "status": "all"})
    assert response.status_code == 302
    location = response["Location"]
    assert file_a1.id_number not in location and "status=all" in location and "s=" in location
    page = client.get(location)
    assert [r.pk for r in page.context["page"].items] == [file_a1.pk]
    assert f'value="{file_a1.id_number}"' in page.content.decode()  # the box still shows what was typed


def test_a_name_search_keeps_its_token_through_the_pages(client_for, cadre, group_a1, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 2}
    HardshipFileFactory.create_batch(3, unit=group_a1, name="欧阳测试")
    HardshipFileFactory(unit=group_a1, name="司马测试")
    client = client_for(cadre)
    location = client.post(reverse("cases:file_list"), {"q": "欧阳"})["Location"]
    assert "欧阳" not in location and "%E6%AC%A7" not in location
    first = client.get(location).context["page"]
    token = location.split("s=")[1]
    second = client.get(reverse("cases:file_list"), {"s": token, "after": first.next_cursor}).context["page"]
    assert {r.name for r in first.items + second.items} == {"欧阳测试"} and len(second.items) == 1


def test_a_token_from_another_session_finds_nothing_of_it(client_for, cadre, branch_chair, file_a1, client):
    location = client_for(cadre).post(reverse("cases:file_list"), {"q": file_a1.id_number})["Location"]
    client.logout()
    other = client_for(branch_chair).get(location)
    assert other.status_code == 200 and other.context["filter"].form.data.get("q") is None


def test_the_batch_search_posts_too(client_for, cadre, file_a1):
    from tests.funds.batch_helpers import batch_args

    pk = batch_args(file_a1)[0]
    response = client_for(cadre).post(reverse("funds:batch_detail", args=[pk]), {"q": file_a1.name, "status": ""})
    assert response.status_code == 302 and file_a1.name not in response["Location"]


def test_log_lines_carry_the_request_id_and_no_personal_data(client_for, cadre_other_branch, file_a1, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(cadre_other_branch).get(file_a1.get_absolute_url(), HTTP_X_REQUEST_ID="trace-abcdef12")
    assert response.status_code == 404
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == "trace-abcdef12"
    line = record.getMessage()
    assert str(file_a1.pk) in line and file_a1.id_number not in line and file_a1.name not in line
