"""Duplicate warnings (one person in two households, one worker filed twice) and merging two files into one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.duplicates.selectors import addresses_alike, duplicate_warnings, mark_mergeable, names_alike
from cases.duplicates.services import SAME_PERSON, file_merge
from cases.idcard import check_character
from cases.models import AssistancePlan, FileCause, FileEvent, HardshipFile, Member, PlanHelper
from cases.transfer.services import transfer_accept, transfer_request
from cases.workflow import CloseReason, FileRecord, FileStatus
from funds.models import AidRequest
from funds.services import aid_request_create
from org.models import Role, UnitKind
from tests.factories import (
    HardshipFileFactory,
    MemberFactory,
    MonitoringFlagFactory,
    UnitFactory,
    UserFactory,
    VisitFactory,
    funded,
    new_resident_id,
)
from tests.funds.helpers import medical, submit
from visits.models import MonitoringFlag, Visit

from .helpers import create_file, member

pytestmark = pytest.mark.django_db


def born(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def same_birth_other_id(number: str) -> str:
    """Another valid ID of someone born the same day (a mistyped sequence number, say)."""
    first17 = number[:14] + f"{(int(number[14:17]) + 2) % 1000:03d}"
    return first17 + check_character(first17)


# The comparisons, at their edges.


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("王伟", "王伟", True),
        ("王伟", "王玮", True),  # one character mistyped
        ("王伟", "李玮", False),  # two apart
        ("王", "李", False),  # a one-character name is not "one character apart"
        ("Wang Wei", "wang  wei", True),
        ("王伟", "王伟伟", False),
        ("", "", False),
    ],
)
def test_names_alike(a, b, alike):
    assert names_alike(a, b) is alike


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("人民路1号", "人民路 1 号", True),
        ("人民路１号", "人民路1号", True),  # full-width digit
        ("人民路1号", "昆明市人民路1号", True),  # one within the other
        ("人民路1号3栋201", "人民路1号3栋202", True),  # 11 of 12 characters
        ("人民路1号", "解放路8号", False),
        ("人民路1号", "", False),
    ],
)
def test_addresses_alike(a, b, alike):
    assert addresses_alike(a, b) is alike


# Warnings.


def test_member_listed_in_another_open_file_is_warned_not_blocked(cadre, group_a1, branch_chair):
    shared = new_resident_id()
    first = create_file(by=cadre, unit=group_a1, members=[member(name="李红", id_number=shared)])
    second = create_file(by=cadre, unit=group_a1, name="张三", members=[member(name="李红", id_number=shared)])
    assert second.pk  # saved: a warning, not a refusal
    warnings = duplicate_warnings(user=cadre, hfile=second)
    assert [w.file_pk for w in warnings] == [first.pk]
    assert shared in warnings[0].reasons[0] and "household member" in warnings[0].reasons[0]


def test_members_id_is_another_files_worker(cadre, group_a1):
    worker = create_file(by=cadre, unit=group_a1, name="李红", address="解放路8号")
    spouse_file = create_file(by=cadre, unit=group_a1, members=[member(name="李红", id_number=worker.id_number)])
    (warning,) = duplicate_warnings(user=cadre, hfile=spouse_file)
    assert warning.file_pk == worker.pk and "is the worker of another open file" in warning.reasons[0]
    # And the other way round: the worker is listed as a member elsewhere.
    (back,) = duplicate_warnings(user=cadre, hfile=worker)
    assert back.file_pk == spouse_file.pk


def test_worker_like_another_by_name_birth_date_and_address(cadre, group_a1):
    number = new_resident_id()
    original = create_file(
        by=cadre, unit=group_a1, name="王伟", id_number=number, address="人民路1号3栋201", members=[]
    )
    other_id = new_resident_id()
    assert born(other_id) != born(number)
    # The same person filed again with a mistyped ID: the birth date in the ID is the same.
    retyped = same_birth_other_id(number)
    again = create_file(by=cadre, unit=group_a1, name="王玮", id_number=retyped, address="人民路1号3栋 201", members=[])
    (warning,) = duplicate_warnings(user=cadre, hfile=again)
    assert warning.file_pk == original.pk
    text = warning.reasons[0]
    assert "one character apart" in text and "same birth date" in text and "similar address" in text
    unlike = create_file(
        by=cadre, unit=group_a1, name="王伟", id_number=other_id, address="人民路1号3栋201", members=[]
    )
    assert not [w for w in duplicate_warnings(user=cadre, hfile=unlike) if w.file_pk == original.pk]


def test_same_name_and_birth_date_at_another_address_is_not_warned(cadre, group_a1):
    number = new_resident_id()
    create_file(by=cadre, unit=group_a1, name="王伟", id_number=number, address="人民路1号", members=[])
    twin = same_birth_other_id(number)
    other = create_file(by=cadre, unit=group_a1, name="王伟", id_number=twin, address="解放路8号", members=[])
    assert duplicate_warnings(user=cadre, hfile=other) == []


def test_closed_files_and_other_federations_are_not_warned(cadre, group_a1):
    shared = new_resident_id()
    closed = HardshipFileFactory(unit=group_a1, status=FileStatus.CLOSED)
    MemberFactory(file=closed, id_number=shared)
    elsewhere = HardshipFileFactory(unit=UnitFactory(kind=UnitKind.FEDERATION))
    MemberFactory(file=elsewhere, id_number=shared)
    hfile = create_file(by=cadre, unit=group_a1, members=[member(id_number=shared)])
    assert duplicate_warnings(user=cadre, hfile=hfile) == []


def test_a_match_outside_the_readers_scope_is_named_vaguely(cadre, cadre_other_branch, group_a1, group_b1):
    shared = new_resident_id()
    theirs = HardshipFileFactory(unit=group_b1, name="钱秘密", address="机密路1号")
    MemberFactory(file=theirs, id_number=shared, name="孙某")
    ours = create_file(by=cadre, unit=group_a1, members=[member(id_number=shared)])
    (warning,) = duplicate_warnings(user=cadre, hfile=ours)
    assert (warning.file_pk, warning.name) == (None, "")
    assert "钱秘密" not in " ".join(warning.reasons) and "机密路" not in " ".join(warning.reasons)


def test_warnings_cost_one_query_whatever_the_household(cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1, members=[member(id_number=new_resident_id()) for _ in range(6)])
    hfile = HardshipFile.objects.prefetch_related("members").get(pk=hfile.pk)
    with CaptureQueriesContext(connection) as ctx:
        duplicate_warnings(user=cadre, hfile=hfile)
    assert len(ctx) == 1


@pytest.mark.postgres
def test_warnings_are_indexed_lookups(cadre, group_a1):
    """The planner can answer each part from an index: no sequential scan of files or members."""
    hfile = create_file(by=cadre, unit=group_a1, members=[member(id_number=new_resident_id())])
    hfile = HardshipFile.objects.prefetch_related("members").get(pk=hfile.pk)
    from cases.duplicates.selectors import _rows

    sql, params = _rows(hfile, {hfile.id_number}).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "Sort" not in plan, plan
    assert "member_id_number" in plan, plan


# Merging.


@pytest.fixture
def pair(cadre, group_a1, group_a2):
    """Husband and wife each filed as a worker: one household in two files, in two groups of branch A."""
    shared_child = new_resident_id()
    husband = create_file(
        by=cadre, unit=group_a1, name="王伟", members=[member(name="王小", relation="child", id_number=shared_child)]
    )
    wife_unit_cadre = UserFactory(roles=[(group_a2, Role.CADRE)])
    wife = create_file(
        by=wife_unit_cadre,
        unit=group_a2,
        name="李红",
        members=[
            member(name="王小", relation="child", id_number=shared_child, monthly_income=Decimal("0")),
            member(name="王老", relation="parent", id_number="", age=80),
        ],
    )
    return husband, wife


def merge_snapshot(*files) -> tuple:
    rows = []
    for f in files:
        f.refresh_from_db()
        rows.append((f.status, f.unit_id, f.merged_into_id, f.household_size))
    return (
        rows,
        FileEvent.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "file_id")),
        list(Visit.objects.order_by("pk").values_list("pk", "file_id")),
        list(AidRequest.objects.order_by("pk").values_list("pk", "file_id")),
    )


def test_merge_keeps_both_households_records(pair, branch_chair, cadre, group_a2):
    husband, wife = pair
    FileCause.objects.filter(file=wife).delete()
    from cases.models import Cause

    extra = Cause.objects.order_by("-order").first()
    FileCause.objects.create(file=wife, cause=extra, is_primary=True)
    visit = VisitFactory(file=wife)
    flag = MonitoringFlagFactory(file=wife, reason="missed")
    aid = aid_request_create(hfile=_filed(wife), data=medical(funded(group_a2, "5000.00")), by=branch_chair)
    child = wife.members.get(name="王小")
    AidRequest.objects.filter(pk=aid.pk).update(child=child)
    plan = AssistancePlan.objects.create(file=wife, goal="就业")
    PlanHelper.objects.create(plan=plan, user=cadre)
    wife_events = FileEvent.objects.filter(file=wife).count()

    file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="夫妻二人分别建档")

    husband.refresh_from_db()
    wife.refresh_from_db()
    assert (wife.status, wife.close_reason, wife.merged_into) == (FileStatus.CLOSED, CloseReason.DUPLICATE, husband)
    names = sorted(husband.members.values_list("name", "relation"))
    assert names == [("李红", "spouse"), ("王小", "child"), ("王老", "parent")]
    assert husband.household_size == 4
    assert Visit.objects.get(pk=visit.pk).file == husband
    assert MonitoringFlag.objects.get(pk=flag.pk).file == husband
    moved = AidRequest.objects.get(pk=aid.pk)
    assert moved.file == husband and moved.child == husband.members.get(name="王小")
    assert set(husband.file_causes.values_list("cause_id", flat=True)) >= {extra.pk}
    assert AssistancePlan.objects.get(pk=plan.pk).file == husband
    assert FileEvent.objects.filter(file=wife).count() == wife_events + 1
    assert FileEvent.objects.get(file=wife, action=FileRecord.MERGED_AWAY).actor == branch_chair
    assert "夫妻二人分别建档" in FileEvent.objects.get(file=husband, action=FileRecord.MERGE_IN).comment
    # The wife's ID is free of the one-open-file rule, and the history of her card stays with her file.
    assert HardshipFile.history.filter(id=wife.pk).count() >= 2


def test_merging_the_same_worker_twice_adds_no_member(cadre, branch_chair, group_a1):
    first = create_file(by=cadre, unit=group_a1, name="王伟", members=[])
    second = create_file(by=cadre, unit=group_a1, name="王玮", members=[])
    file_merge(survivor=first, merged=second, by=branch_chair, worker_as=SAME_PERSON, comment="身份证号录入错误")
    assert first.members.count() == 0


def test_open_flag_held_by_both_is_handled_not_duplicated(pair, branch_chair):
    husband, wife = pair
    MonitoringFlagFactory(file=husband, reason="decline")
    theirs = MonitoringFlagFactory(file=wife, reason="decline")
    file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="同一户")
    theirs.refresh_from_db()
    assert theirs.handled_by == branch_chair and not theirs.is_open
    assert MonitoringFlag.objects.open().filter(file=husband, reason="decline").count() == 1


def test_a_transfer_takes_the_merged_away_file_along(pair, branch_chair, chair_other_branch, group_b1):
    husband, wife = pair
    file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="同一户")
    transfer = transfer_request(hfile=husband, to_unit=group_b1, reason="调动", handover="", by=branch_chair)
    transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[])
    wife.refresh_from_db()
    assert wife.unit == group_b1
    assert HardshipFile.objects.visible_to(chair_other_branch).filter(pk=wife.pk).exists()


def _filed(hfile):
    HardshipFile.objects.filter(pk=hfile.pk).update(status=FileStatus.FILED)
    hfile.refresh_from_db()
    return hfile


# Bad input: a clear message and nothing saved.


def test_merging_a_file_with_itself_is_refused(pair, branch_chair):
    husband, _wife = pair
    before = merge_snapshot(*pair)
    with pytest.raises(ValidationError) as exc:
        file_merge(survivor=husband, merged=husband, by=branch_chair, worker_as=SAME_PERSON, comment="x")
    assert "itself" in exc.value.messages[0]
    assert merge_snapshot(*pair) == before


def test_merging_out_of_scope_is_refused_like_a_missing_file(pair, cadre_other_branch, group_b1, branch_chair):
    husband, wife = pair
    theirs = HardshipFileFactory(unit=group_b1)
    before = merge_snapshot(husband, wife, theirs)
    chair_b = UserFactory(roles=[(group_b1.parent, Role.BRANCH_CHAIR)])
    for by, survivor, merged in ((branch_chair, husband, theirs), (chair_b, theirs, husband)):
        with pytest.raises(ValidationError) as exc:
            file_merge(survivor=survivor, merged=merged, by=by, worker_as=SAME_PERSON, comment="x")
        assert "in your units" in exc.value.messages[0]
    missing = HardshipFile(pk=999999)
    with pytest.raises(ValidationError):
        file_merge(survivor=husband, merged=missing, by=branch_chair, worker_as=SAME_PERSON, comment="x")
    assert merge_snapshot(husband, wife, theirs) == before


def test_a_cadre_cannot_merge(pair, cadre):
    husband, wife = pair
    with pytest.raises((PermissionDenied, ValidationError)):
        file_merge(survivor=husband, merged=wife, by=cadre, worker_as=SAME_PERSON, comment="x")
    wife.refresh_from_db()
    assert wife.status != FileStatus.CLOSED


def test_merging_across_federations_is_refused(group_a1, cadre):
    other_root = UnitFactory(kind=UnitKind.FEDERATION)
    both = UserFactory(roles=[(group_a1.parent, Role.BRANCH_CHAIR), (other_root, Role.BRANCH_CHAIR)])
    ours = HardshipFileFactory(unit=group_a1)
    theirs = HardshipFileFactory(unit=other_root)
    before = merge_snapshot(ours, theirs)
    with pytest.raises(ValidationError) as exc:
        file_merge(survivor=ours, merged=theirs, by=both, worker_as=SAME_PERSON, comment="x")
    assert "different federations" in exc.value.messages[0]
    assert merge_snapshot(ours, theirs) == before


def test_merging_a_closed_file_or_without_a_reason_is_refused(pair, branch_chair):
    husband, wife = pair
    before = merge_snapshot(*pair)
    with pytest.raises(ValidationError) as exc:
        file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="  ")
    assert "Say why" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="nobody", comment="同一户")
    assert merge_snapshot(*pair) == before
    HardshipFile.objects.filter(pk=wife.pk).update(status=FileStatus.CLOSED)
    with pytest.raises(ValidationError) as exc:
        file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="同一户")
    assert "closed" in exc.value.messages[0]


def test_a_failing_receiver_undoes_the_whole_merge(pair, branch_chair, group_a2):
    """Atomic: money reserved where the survivor's unit cannot reach stops the merge before anything moves."""
    husband, wife = pair
    from funds.services import aid_request_decide

    wife_cadre = UserFactory(roles=[(group_a2, Role.CADRE)])
    aid = aid_request_create(hfile=_filed(wife), data=medical(funded(group_a2, "5000.00")), by=wife_cadre)
    aid_request_decide(request=submit(aid, wife_cadre), action="approve", by=branch_chair)
    before = merge_snapshot(*pair)
    with pytest.raises(ValidationError) as exc:
        file_merge(survivor=husband, merged=wife, by=branch_chair, worker_as="spouse", comment="同一户")
    assert f"no. {aid.pk}" in exc.value.messages[0]
    assert merge_snapshot(*pair) == before


def test_mergeable_only_for_a_chair_over_both(pair, branch_chair, cadre):
    husband, wife = pair
    for user, expected in ((branch_chair, True), (cadre, False)):
        warnings = duplicate_warnings(user=user, hfile=husband)
        mark_mergeable(user=user, hfile=husband, warnings=warnings)
        assert [w.can_merge for w in warnings if w.file_pk == wife.pk] == ([expected] if user == branch_chair else [])


# Pages.


def test_saving_a_file_warns_and_links_to_the_reasons(client_for, cadre, group_a1):
    from django.urls import reverse

    shared = new_resident_id()
    create_file(by=cadre, unit=group_a1, members=[member(id_number=shared)])
    hfile = create_file(by=cadre, unit=group_a1, name="张三", members=[])
    data = {
        "name": "张三",
        "id_number": hfile.id_number,
        "address": "人民路1号",
        "employment_status": "laid_off",
        "union_member": "on",
        "health": "healthy",
        "worker_income": "1000",
        "other_income": "0",
        "causes": [hfile.file_causes.first().cause_id],
        "primary_cause": hfile.file_causes.first().cause_id,
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-relation": "spouse",
        "members-0-name": "李红",
        "members-0-id_number": shared,
        "members-0-health": "healthy",
        "members-0-schooling": "none",
        "members-0-monthly_income": "0",
    }
    response = client_for(cadre).post(reverse("cases:file_update", args=[hfile.pk]), data, follow=True)
    body = response.content.decode()
    assert "1 other open file may hold the same people." in body
    assert reverse("cases:file_duplicates", args=[hfile.pk]) in body
    assert Member.objects.filter(file=hfile, id_number=shared).exists()  # saved: warned, not blocked


def test_duplicates_page_explains_and_offers_the_merge_to_a_chair(client_for, pair, branch_chair, cadre):
    from django.urls import reverse

    husband, wife = pair
    page = client_for(branch_chair).get(reverse("cases:file_duplicates", args=[husband.pk])).content.decode()
    assert "household member" in page and f"?other={wife.pk}" in page
    page = client_for(cadre).get(reverse("cases:file_duplicates", args=[husband.pk])).content.decode()
    assert "李红" not in page and "outside your units" in page and "?other=" not in page


def test_merge_through_the_page(client_for, pair, branch_chair):
    from django.urls import reverse

    husband, wife = pair
    client = client_for(branch_chair)
    url = reverse("cases:file_merge", args=[husband.pk])
    response = client.post(url, {"other": husband.pk, "worker_as": "spouse", "comment": "同一户"})
    assert response.status_code == 200 and "cannot be merged with itself" in response.content.decode()
    response = client.post(url, {"other": wife.pk, "worker_as": "spouse", "comment": "同一户"})
    assert response.status_code == 302
    wife.refresh_from_db()
    assert wife.merged_into == husband
    assert "Closed as a duplicate" in client.get(wife.get_absolute_url()).content.decode()


@pytest.mark.parametrize("persona", ["cadre_a2", "cadre_other_branch", "chair_other_branch", "nobody"])
def test_outsiders_get_404_on_duplicates_and_merge(client_for, request, pair, persona):
    from django.urls import reverse

    husband, wife = pair
    client = client_for(request.getfixturevalue(persona))
    before = merge_snapshot(husband, wife)
    assert client.get(reverse("cases:file_duplicates", args=[husband.pk])).status_code == 404
    assert client.get(reverse("cases:file_merge", args=[husband.pk])).status_code == 404
    data = {"other": wife.pk, "worker_as": "spouse", "comment": "x"}
    assert client.post(reverse("cases:file_merge", args=[husband.pk]), data).status_code == 404
    assert merge_snapshot(*pair) == before
