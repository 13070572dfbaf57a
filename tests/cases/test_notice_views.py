"""Public notice pages: posting, the printable masked list, objections and decisions, scope and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import HardshipFile
from cases.notice_models import Objection, ObjectionOutcome, PublicNotice
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory

from .notice_helpers import objection_args, on_notice
from .test_notice import investigated
from .test_query_counts import count_queries

pytestmark = pytest.mark.django_db


def test_a_chair_posts_a_notice_and_the_page_masks_names_and_ids(client_for, cadre, branch_chair, group_a1, branch_a):
    hfile = investigated(cadre, branch_chair, group_a1, name="张三明")
    client = client_for(branch_chair)
    form = client.get(reverse("cases:notice_create"))
    assert "张三明" in form.content.decode()  # the chair picks from real names
    today = timezone.localdate()
    response = client.post(
        reverse("cases:notice_create"),
        {
            "unit": branch_a.pk,
            "title": "2026年困难职工建档公示",
            "starts_on": today,
            "contact": "工会办公室",
            "files": [hfile.pk],
        },
        follow=True,
    )
    notice = PublicNotice.objects.get()
    assert response.redirect_chain[-1][0] == notice.get_absolute_url()
    page = client_for(branch_chair, "zh-hans").get(notice.get_absolute_url()).content.decode()
    assert "张*明" in page and "张三明" not in page
    assert hfile.id_number not in page and f"{hfile.id_number[:6]}********{hfile.id_number[-4:]}" in page
    assert "工作日" in page  # the notice text is in Chinese


def test_a_household_that_is_not_investigated_is_not_offered(client_for, cadre, branch_chair, group_a1, branch_a):
    draft = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
    client = client_for(branch_chair)
    assert 'id="no-candidates"' in client.get(reverse("cases:notice_create")).content.decode()
    HardshipFileFactory(unit=group_a1, status=FileStatus.INVESTIGATED)
    response = client.post(
        reverse("cases:notice_create"),
        {"unit": branch_a.pk, "title": "公示", "starts_on": timezone.localdate(), "files": [draft.pk]},
    )
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not PublicNotice.objects.exists()


def test_a_chair_cannot_post_for_another_branch(
    client_for, cadre, branch_chair, chair_other_branch, group_a1, branch_a
):
    hfile = investigated(cadre, branch_chair, group_a1)
    response = client_for(chair_other_branch).post(
        reverse("cases:notice_create"),
        {"unit": branch_a.pk, "title": "公示", "starts_on": timezone.localdate(), "files": [hfile.pk]},
    )
    assert response.status_code == 200
    assert not PublicNotice.objects.exists()


def test_another_branch_cannot_see_count_or_open_a_notice(client_for, group_a1, chair_other_branch, federation_staff):
    entry = on_notice(HardshipFileFactory(unit=group_a1, name="王大明"))
    other = client_for(chair_other_branch)
    listing = other.get(reverse("cases:notice_list")).content.decode()
    assert "建档公示" not in listing
    assert other.get(entry.notice.get_absolute_url()).status_code == 404
    assert "建档公示" in client_for(federation_staff).get(reverse("cases:notice_list")).content.decode()


def test_objections_are_recorded_and_decided_from_the_file_page(client_for, cadre, branch_chair, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, created_by=cadre)
    on_notice(hfile)
    response = client_for(cadre).post(
        reverse("cases:objection_create", args=[hfile.pk]),
        {"raised_by": "匿名", "raised_on": timezone.localdate(), "content": "家中有商铺出租"},
        follow=True,
    )
    assert "家中有商铺出租" in response.content.decode()
    objection = Objection.objects.get()
    chair = client_for(branch_chair)
    page = chair.get(hfile.get_absolute_url()).content.decode()
    assert reverse("cases:objection_decide", args=[objection.pk]) in page
    assert "still pending" in page or "on public notice until" in page
    chair.post(
        reverse("cases:objection_decide", args=[objection.pk]), {"outcome": "rejected", "note": "经入户核实无商铺"}
    )
    objection.refresh_from_db()
    assert objection.outcome == ObjectionOutcome.REJECTED


def test_a_decision_without_a_note_changes_nothing(client_for, branch_chair, group_a1):
    [pk] = objection_args(HardshipFileFactory(unit=group_a1))
    response = client_for(branch_chair).post(reverse("cases:objection_decide", args=[pk]), {"outcome": "upheld"})
    assert response.status_code == 200
    assert Objection.objects.get(pk=pk).outcome == ObjectionOutcome.PENDING


def test_out_of_scope_users_cannot_record_or_decide(client_for, cadre_other_branch, chair_other_branch, group_a1):
    hfile = HardshipFileFactory(unit=group_a1)
    [pk] = objection_args(hfile)
    url = reverse("cases:objection_decide", args=[pk])
    assert client_for(chair_other_branch).post(url, {"outcome": "upheld", "note": "越权"}).status_code == 404
    create = reverse("cases:objection_create", args=[hfile.pk])
    data = {"raised_by": "某人", "raised_on": timezone.localdate(), "content": "越权"}
    assert client_for(cadre_other_branch).post(create, data).status_code == 404
    assert Objection.objects.count() == 1
    assert Objection.objects.get(pk=pk).outcome == ObjectionOutcome.PENDING


def test_an_objection_on_a_household_not_on_notice_is_refused(client_for, cadre, branch_chair, group_a1):
    hfile = investigated(cadre, branch_chair, group_a1)
    data = {"raised_by": "匿名", "raised_on": timezone.localdate(), "content": "不实"}
    response = client_for(cadre).post(reverse("cases:objection_create", args=[hfile.pk]), data, follow=True)
    assert "not on public notice" in response.content.decode()
    assert not Objection.objects.exists()


def test_filing_during_the_notice_says_why_and_changes_nothing(client_for, branch_chair, group_a1):
    hfile = HardshipFileFactory(unit=group_a1)
    on_notice(hfile)
    url = reverse("cases:file_transition", args=[hfile.pk, "file"])
    response = client_for(branch_chair).post(url, {"comment": ""}, follow=True)
    assert "on public notice until" in response.content.decode()
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.INVESTIGATED


def test_the_notice_list_costs_the_same_for_two_or_twenty_notices(client_for, branch_chair, group_a1):
    client = client_for(branch_chair)
    for _ in range(2):
        on_notice(HardshipFileFactory(unit=group_a1))
    few = count_queries(client, reverse("cases:notice_list"))
    for _ in range(18):
        on_notice(HardshipFileFactory(unit=group_a1))
    assert count_queries(client, reverse("cases:notice_list")) == few <= 6


def test_the_notice_page_costs_the_same_for_any_number_of_households(client_for, branch_chair, group_a1, group_a2):
    entry = on_notice(HardshipFileFactory(unit=group_a1))
    client = client_for(branch_chair)
    url = entry.notice.get_absolute_url()
    few = count_queries(client, url)
    for unit in [group_a1, group_a2] * 10:
        entry.notice.entries.create(file=HardshipFileFactory(unit=unit, status=FileStatus.INVESTIGATED))
    assert count_queries(client, url) == few <= 7


def test_the_file_page_shows_what_blocks_filing(client_for, branch_chair, group_a1):
    hfile = HardshipFileFactory(unit=group_a1)
    on_notice(hfile, days_ago=30)
    page = client_for(branch_chair).get(hfile.get_absolute_url()).content.decode()
    assert 'id="notice-clear"' in page
    Objection.objects.create(
        entry=hfile.notice_entries.get(),
        raised_by="匿名",
        raised_on=timezone.localdate() - dt.timedelta(days=29),
        content="不实",
        recorded_by=branch_chair,
    )
    page = client_for(branch_chair).get(hfile.get_absolute_url()).content.decode()
    assert "still pending" in page
