"""Visits recorded offline and synced: stored once, conflicts shown instead of overwriting, scoped, bad input refused
whole with a message per record, and a cost per record that does not grow with the batch."""

import json
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AssistancePlan, HardshipFile, PlanHelper
from cases.relief import income_observe
from cases.relief_models import IncomeObservation
from cases.services import file_update_contact
from cases.workflow import FileStatus
from tests.concurrency import race
from tests.factories import VisitFactory
from visits.models import Fact, OfflineConflict, Resolution, Visit

from .conftest import filed_file

pytestmark = pytest.mark.django_db
SYNC = reverse("visits:offline_sync")
HOUSEHOLDS = reverse("visits:offline_households")


def record(hfile, by, **overrides) -> dict:
    """What the phone sends: the visit form's fields, the key, the file's version and what the phone showed."""
    values = {
        "key": str(uuid.uuid4()),
        "file": hfile.pk,
        "version": hfile.version,
        "visited_on": "2026-03-12",
        "kind": "monthly",
        "met": "本人",
        "knows_name": True,
        "knows_phone": False,
        "outcome": "no_change",
        "reason": "",
        "notes": "门口聊了十分钟",
        "condolence_money": "0.00",
        "goods": "",
        "visitors": [by.pk],
        "base_phone": hfile.phone,
        "base_address": hfile.address,
    }
    values.update(overrides)
    return values


def post(client, *records, raw=None):
    body = raw if raw is not None else json.dumps({"records": list(records)})
    return client.post(SYNC, body, content_type="application/json")


def results(client, *records) -> list[dict]:
    response = post(client, *records)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def phone_file(filed):
    HardshipFile.objects.filter(pk=filed.pk).update(phone="13800000001", address="幸福路1号")
    filed.refresh_from_db()
    return filed


@pytest.fixture
def stale(client_for, phone_file, cadre, branch_chair):
    """The cadre's phone changed offline after the chair had changed it on the file: (client, record, conflict)."""
    rec = record(phone_file, cadre, phone="13911112222")
    file_update_contact(hfile=phone_file, by=branch_chair, changes={"phone": "13733334444"})
    client = client_for(cadre)
    results(client, rec)
    return client, rec, OfflineConflict.objects.get()


class TestStoredOnce:
    def test_a_visit_recorded_offline_is_stored_with_its_key(self, client_for, filed, cadre):
        rec = record(filed, cadre)
        [result] = results(client_for(cadre), rec)
        visit = Visit.objects.get()
        assert result == {
            "key": rec["key"],
            "status": "saved",
            "repeat": False,
            "visit": visit.get_absolute_url(),
            "conflicts": [],
        }
        assert str(visit.offline_key) == rec["key"] and visit.recorded_by == cadre and visit.notes == "门口聊了十分钟"
        assert list(visit.visitors.all()) == [cadre] and visit.knows_name and not visit.knows_phone

    def test_a_visit_synced_twice_is_stored_once_and_the_second_sync_answers_the_first_result(
        self, client_for, filed, cadre
    ):
        client = client_for(cadre)
        rec = record(filed, cadre)
        [first] = results(client, rec)
        [second] = results(client, rec)
        assert Visit.objects.count() == 1
        assert second == {**first, "repeat": True}

    def test_the_same_record_twice_in_one_batch_is_stored_once(self, client_for, filed, cadre):
        rec = record(filed, cadre, kind="monitoring")
        first, second = results(client_for(cadre), rec, rec)
        assert Visit.objects.count() == 1
        assert first["status"] == second["status"] == "saved" and second["repeat"] and second["visit"] == first["visit"]

    def test_the_database_refuses_a_key_twice(self, filed, cadre):
        key = uuid.uuid4()
        VisitFactory(file=filed, offline_key=key, recorded_by=cadre)
        with pytest.raises(IntegrityError), transaction.atomic():
            VisitFactory(file=filed, offline_key=key, recorded_by=cadre)

    def test_a_key_used_by_someone_else_is_refused(self, client_for, filed, cadre, branch_chair):
        rec = record(filed, cadre)
        results(client_for(cadre), rec)
        [result] = results(client_for(branch_chair), {**rec, "visitors": [branch_chair.pk]})
        assert result["status"] == "invalid" and "already used" in result["message"]
        assert Visit.objects.count() == 1


class TestConflicts:
    def test_a_phone_changed_offline_on_an_unchanged_file_is_saved(self, client_for, phone_file, cadre):
        [result] = results(client_for(cadre), record(phone_file, cadre, phone="13911112222"))
        phone_file.refresh_from_db()
        assert result["conflicts"] == [] and phone_file.phone == "13911112222"
        latest = phone_file.history.latest()
        assert latest.history_user == cadre and "Changed at the visit of 2026-03-12" in latest.history_change_reason

    def test_a_file_changed_elsewhere_but_not_this_fact_takes_the_change(
        self, client_for, phone_file, cadre, branch_chair
    ):
        rec = record(phone_file, cadre, phone="13911112222")
        file_update_contact(hfile=phone_file, by=branch_chair, changes={"address": "幸福路2号"})
        [result] = results(client_for(cadre), rec)
        phone_file.refresh_from_db()
        assert result["conflicts"] == []
        assert (phone_file.phone, phone_file.address) == ("13911112222", "幸福路2号")

    def test_a_phone_someone_changed_meanwhile_is_not_overwritten_but_held_for_the_cadre(
        self, client_for, phone_file, cadre, branch_chair
    ):
        rec = record(phone_file, cadre, phone="13911112222", address="幸福路9号")
        file_update_contact(hfile=phone_file, by=branch_chair, changes={"phone": "13733334444"})
        [result] = results(client_for(cadre), rec)
        phone_file.refresh_from_db()
        visit = Visit.objects.get()
        conflict = OfflineConflict.objects.get()
        assert result["status"] == "saved" and result["visit"] == visit.get_absolute_url()
        assert result["conflicts"] == [{"id": conflict.pk, "fact": "phone", "label": "phone", "open": True}]
        # The visit and the address (which nobody else touched) are saved; the chair's phone stays.
        assert phone_file.phone == "13733334444" and phone_file.address == "幸福路9号"
        assert (conflict.base, conflict.theirs, conflict.mine) == ("13800000001", "13733334444", "13911112222")
        assert conflict.visit == visit and conflict.raised_by == cadre and conflict.resolved_at is None

    def test_the_cadre_keeps_mine_from_my_visits(self, stale, phone_file):
        client, rec, conflict = stale
        page = client.get(reverse("visits:my_visits")).content.decode()
        assert 'id="conflicts"' in page and "13733334444" in page and "13911112222" in page
        response = client.post(reverse("visits:offline_conflict_resolve", args=[conflict.pk]), {"keep": "mine"})
        assert response.status_code == 302
        phone_file.refresh_from_db()
        conflict.refresh_from_db()
        assert phone_file.phone == "13911112222" and conflict.resolution == Resolution.MINE
        assert 'id="conflicts"' not in client.get(reverse("visits:my_visits")).content.decode()
        [again] = results(client, rec)  # a late repeat of the sync changes nothing and reports the resolved conflict
        assert again["repeat"] and again["conflicts"][0]["open"] is False
        phone_file.refresh_from_db()
        assert phone_file.phone == "13911112222" and Visit.objects.count() == 1

    def test_keeping_theirs_leaves_the_file_alone(self, stale, phone_file):
        client, _rec, conflict = stale
        client.post(reverse("visits:offline_conflict_resolve", args=[conflict.pk]), {"keep": "theirs"})
        phone_file.refresh_from_db()
        conflict.refresh_from_db()
        assert phone_file.phone == "13733334444" and conflict.resolution == Resolution.THEIRS

    def test_keeping_mine_after_the_file_changed_again_shows_it_again_and_writes_nothing(
        self, stale, phone_file, branch_chair
    ):
        client, _rec, conflict = stale
        file_update_contact(hfile=phone_file, by=branch_chair, changes={"phone": "13655556666"})
        response = client.post(
            reverse("visits:offline_conflict_resolve", args=[conflict.pk]), {"keep": "mine"}, follow=True
        )
        assert "The file changed again meanwhile" in response.content.decode()
        phone_file.refresh_from_db()
        conflict.refresh_from_db()
        assert phone_file.phone == "13655556666" and conflict.theirs == "13655556666" and conflict.resolved_at is None

    def test_a_month_income_someone_recorded_meanwhile_is_held(self, client_for, filed, cadre, branch_chair):
        rec = record(filed, cadre, household_income="1500.00")
        income_observe(
            hfile=filed, by=branch_chair, month=filed.filed_on.replace(month=3), household_income=Decimal(900)
        )
        client = client_for(cadre)
        [result] = results(client, rec)
        conflict = OfflineConflict.objects.get()
        assert result["conflicts"][0]["fact"] == Fact.INCOME and Visit.objects.count() == 1
        assert IncomeObservation.objects.get().household_income == Decimal("900.00")
        client.post(reverse("visits:offline_conflict_resolve", args=[conflict.pk]), {"keep": "mine"})
        assert IncomeObservation.objects.get().household_income == Decimal("1500.00")

    def test_a_month_income_the_phone_had_seen_is_replaced(self, client_for, filed, cadre):
        income_observe(hfile=filed, by=cadre, month=filed.filed_on.replace(month=3), household_income=Decimal(900))
        rec = record(filed, cadre, household_income="1500.00", base_income="900.00")
        [result] = results(client_for(cadre), rec)
        assert result["conflicts"] == []
        assert IncomeObservation.objects.get().household_income == Decimal("1500.00")


class TestScope:
    def test_a_household_out_of_scope_is_not_found_and_nothing_is_saved(
        self, client_for, filed, cadre_other_branch, cadre_a2
    ):
        for outsider in (cadre_other_branch, cadre_a2):
            [result] = results(client_for(outsider), record(filed, outsider, phone="13911112222"))
            assert result["status"] == "not_found" and result["message"] == "This household is not in your units."
        [missing] = results(client_for(cadre_a2), record(filed, cadre_a2, file=999_999))
        assert missing["status"] == "not_found"
        assert not Visit.objects.exists() and HardshipFile.objects.get(pk=filed.pk).phone == filed.phone

    def test_federation_staff_cannot_record_visits(self, client_for, filed, federation_staff):
        [result] = results(client_for(federation_staff), record(filed, federation_staff))
        assert result["status"] == "invalid" and not Visit.objects.exists()

    def test_someone_elses_conflict_cannot_be_seen_or_resolved(
        self, stale, client_for, phone_file, branch_chair, cadre_a2
    ):
        _client, _rec, conflict = stale
        for other in (branch_chair, cadre_a2):
            client = client_for(other)
            assert "13911112222" not in client.get(reverse("visits:my_visits")).content.decode()
            url = reverse("visits:offline_conflict_resolve", args=[conflict.pk])
            assert client.post(url, {"keep": "mine"}).status_code == 404
        assert HardshipFile.objects.get(pk=phone_file.pk).phone == "13733334444"

    def test_the_phone_keeps_only_households_in_scope(self, client_for, filed, cadre_other_branch, group_b1):
        other = filed_file(group_b1)
        PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=other, goal="目标"), user=cadre_other_branch)
        rows = client_for(cadre_other_branch).get(HOUSEHOLDS).json()["households"]
        assert [r["id"] for r in rows] == [other.pk]

    def test_anonymous_calls_get_401_in_json(self, client, filed):
        assert client.get(HOUSEHOLDS).status_code == 401
        response = post(client, {})
        assert response.status_code == 401 and response.json() == {"error": "Log in again to sync."}

    def test_a_sync_without_the_csrf_token_is_refused(self, filed, cadre):
        client = Client(enforce_csrf_checks=True)
        client.force_login(cadre)
        assert post(client, record(filed, cadre)).status_code == 403
        token = client.get(HOUSEHOLDS).json()["csrf"]
        body = json.dumps({"records": [record(filed, cadre)]})
        response = client.post(SYNC, body, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 200 and Visit.objects.count() == 1


class TestBadInput:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("not json", "The request is not valid JSON."),
            (json.dumps([1, 2]), "Send the visits as a list named records."),
            (json.dumps({"records": {"a": 1}}), "Send the visits as a list named records."),
            (json.dumps({"records": [{}] * 51}), "Send at most 50 visits at a time."),
        ],
    )
    def test_a_bad_request_is_refused_whole(self, client_for, filed, cadre, raw, message):
        response = post(client_for(cadre), raw=raw)
        assert response.status_code == 400 and response.json() == {"error": message}
        assert not Visit.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"visited_on": "2026-03-17"}, "visited_on", "A visit cannot be dated in the future."),
            ({"visited_on": ["2026-03-12"]}, "visited_on", "This value has the wrong type."),
            ({"visitors": {"pk": 1}}, "visitors", "This value has the wrong type."),
            ({"key": "not-a-uuid"}, "key", "Enter a valid UUID."),
            ({"outcome": "fine"}, "outcome", "Select a valid choice."),
            ({"condolence_money": "-5"}, "condolence_money", "greater than or equal to 0"),
            ({"phone": "call me"}, "phone", "Enter a phone number of 7 to 20 digits."),
            ({"visitors": []}, "visitors", "This field is required."),
        ],
    )
    def test_a_bad_record_comes_back_with_its_message_and_nothing_is_saved(
        self, client_for, phone_file, cadre, overrides, field, message
    ):
        rec = record(phone_file, cadre, **overrides)
        [result] = results(client_for(cadre), rec)
        assert result["status"] == "invalid"
        assert message in " ".join(result["errors"][field])
        assert not Visit.objects.exists() and HardshipFile.objects.get(pk=phone_file.pk).phone == "13800000001"

    def test_a_good_record_beside_a_bad_one_is_saved_alone(self, client_for, filed, cadre):
        good, bad = record(filed, cadre), record(filed, cadre, kind="monitoring", visited_on="2030-01-01")
        first, second, third = results(client_for(cadre), good, bad, "not a record")
        assert first["status"] == "saved" and second["status"] == third["status"] == "invalid"
        assert third["message"] == "This record is not a visit."
        assert Visit.objects.get().offline_key == uuid.UUID(good["key"])

    def test_a_change_the_file_does_not_allow_refuses_the_whole_record(self, client_for, phone_file, cadre):
        HardshipFile.objects.filter(pk=phone_file.pk).update(status=FileStatus.RELIEVED)
        [result] = results(client_for(cadre), record(phone_file, cadre, address="新地址"))
        assert result["status"] == "invalid" and "current state" in result["message"]
        assert not Visit.objects.exists() and HardshipFile.objects.get(pk=phone_file.pk).address == "幸福路1号"

    def test_a_second_monthly_visit_is_refused_by_the_visit_rules(self, client_for, filed, cadre):
        VisitFactory(file=filed, visited_on=filed.filed_on.replace(month=3, day=2), recorded_by=cadre)
        [result] = results(client_for(cadre), record(filed, cadre, phone="13911112222"))
        assert result["status"] == "invalid" and "already has a monthly visit" in " ".join(result["errors"]["kind"])
        assert Visit.objects.count() == 1 and HardshipFile.objects.get(pk=filed.pk).phone != "13911112222"

    def test_a_phone_the_cadre_may_not_see_cannot_be_changed(self, client_for, phone_file, cadre, settings):
        settings.PRIVACY_FULL_VIEW = {"phone": ["branch_chair"]}
        [row] = client_for(cadre).get(HOUSEHOLDS).json()["households"]
        assert row["phone"] == "138****0001" and row["phone_visible"] is False
        [result] = results(client_for(cadre), record(phone_file, cadre, phone="13911112222", base_phone=row["phone"]))
        assert result["status"] == "invalid" and "may not change" in " ".join(result["errors"]["phone"])
        assert not Visit.objects.exists()


class TestWhatThePhoneKeeps:
    def test_households_carry_what_the_cadre_may_see_and_the_files_version(self, client_for, phone_file, cadre):
        income_observe(hfile=phone_file, by=cadre, month=phone_file.filed_on.replace(month=3), household_income=800)
        data = client_for(cadre).get(HOUSEHOLDS).json()
        assert data["user"] == cadre.pk and data["csrf"]
        [row] = data["households"]
        assert row == {
            "id": phone_file.pk,
            "name": phone_file.name,
            "unit": "Group A1",
            "address": "幸福路1号",
            "phone": "13800000001",
            "phone_visible": True,
            "income": "800.00",
            "income_visible": True,
            "income_month": "2026-03",
            "last_visit": None,
            "version": HardshipFile.objects.get(pk=phone_file.pk).version,
            "editable": True,
            "section": "overdue",
            "holiday": False,
        }

    def test_a_files_version_changes_with_every_save(self, phone_file, cadre):
        before = phone_file.version
        updated = file_update_contact(hfile=phone_file, by=cadre, changes={"address": "幸福路3号"})
        assert updated.version == before + 1

    def test_the_households_cost_the_same_for_1_and_for_12(
        self, client_for, filed, group_a1, cadre, django_assert_num_queries
    ):
        client = client_for(cadre)
        client.get(HOUSEHOLDS)
        with CaptureQueriesContext(connection) as one:
            client.get(HOUSEHOLDS)
        for _ in range(11):
            extra = filed_file(group_a1)
            PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=extra, goal="目标"), user=cadre)
        with django_assert_num_queries(len(one)):
            assert len(client.get(HOUSEHOLDS).json()["households"]) == 12

    def test_a_sync_costs_the_same_per_record_whatever_the_batch(self, client_for, group_a1, cadre, frozen):
        client = client_for(cadre)
        files = [filed_file(group_a1) for _ in range(8)]
        results(client, record(files.pop(), cadre))  # the configuration caches filled once
        counts = []
        start = 0
        for size in (1, 2, 4):
            batch = [record(f, cadre, phone=f"1391111{i:04d}") for i, f in enumerate(files[start : start + size])]
            start += size
            with CaptureQueriesContext(connection) as ctx:
                assert {r["status"] for r in results(client, *batch)} == {"saved"}
            counts.append(len(ctx))
        per_record = counts[1] - counts[0]
        assert counts[2] - counts[1] == 2 * per_record, counts
        assert per_record <= 30, counts


class TestTheInstallableApp:
    def test_the_manifest_names_the_app_in_both_languages(self, client):
        url = reverse("visits:offline_manifest")
        english, chinese = client.get(url, {"lang": "en"}), client.get(url, {"lang": "zh-hans"})
        assert english["Content-Type"] == "application/manifest+json"
        assert english.json()["name"] == "Hardship visits" and chinese.json()["name"] == "困难职工走访"
        assert english.json()["start_url"] == english.json()["scope"] == reverse("visits:my_visits")
        for icon in english.json()["icons"]:
            assert finders.find(icon["src"].removeprefix(settings.STATIC_URL))

    def test_the_service_worker_covers_the_visit_pages(self, client):
        response = client.get(reverse("visits:offline_worker"))
        assert response["Content-Type"].startswith("text/javascript") and response["Cache-Control"] == "no-cache"
        scope = reverse("visits:offline_worker").rsplit("/", 1)[0] + "/"
        assert reverse("visits:my_visits").startswith(scope) and reverse("visits:visit_create", args=[1]).startswith(
            scope
        )
        assert b"/static/js/offline.js" in response.content

    def test_my_visits_links_the_manifest_and_the_sync_bar(self, client_for, filed, cadre):
        page = client_for(cadre).get(reverse("visits:my_visits")).content.decode()
        assert 'rel="manifest"' in page and 'id="sync-now"' in page and f'data-file="{filed.pk}"' in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_syncs_of_one_record_at_the_same_moment_store_one_visit(filed, cadre):
    """A phone that retries while its first request is still running: the file's row lock serialises them."""
    rec = record(filed, cadre)

    def sync_once(_i: int) -> dict:
        client = Client()
        client.force_login(cadre)
        return results(client, rec)[0]

    first, second = race(2, sync_once)
    assert Visit.objects.count() == 1
    assert {first["status"], second["status"]} == {"saved"} and {first["repeat"], second["repeat"]} == {True, False}
    assert first["visit"] == second["visit"]
