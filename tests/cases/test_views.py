import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AssistancePlan, Cause, HardshipFile, Member, Tier
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory, UserFactory, new_resident_id

pytestmark = pytest.mark.django_db


def post_data(unit_pk, members=(), **overrides):
    """A valid new-file form submission with the given member rows."""
    causes = list(Cause.objects.order_by("order")[:2])
    data = {
        "unit": unit_pk,
        "name": "赵大勇",
        "id_number": new_resident_id(),
        "phone": "13912345678",
        "address": "解放路8号",
        "employer": "运输公司",
        "employment_status": "laid_off",
        "union_member": "on",
        "health": "serious",
        "worker_income": "1200.00",
        "other_income": "0",
        "tier": Tier.objects.order_by("order").first().pk,
        "review_due_on": "",
        "causes": [c.pk for c in causes],
        "primary_cause": causes[0].pk,
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(members):
        base = {
            "relation": "spouse",
            "name": "钱芳",
            "id_number": "",
            "age": "44",
            "health": "healthy",
            "schooling": "none",
            "job": "",
            "monthly_income": "800.00",
        }
        base.update(row)
        data.update({f"members-{i}-{k}": v for k, v in base.items()})
    data.update(overrides)
    return data


class TestCreate:
    def test_cadre_files_a_card_with_two_members(self, client_for, cadre, group_a1):
        data = post_data(
            group_a1.pk,
            members=[
                {},
                {"relation": "child", "name": "赵小雨", "age": "9", "schooling": "primary", "monthly_income": "0"},
            ],
        )
        response = client_for(cadre).post(reverse("cases:file_create"), data)
        hfile = HardshipFile.objects.get()
        assert response.status_code == 302 and response["Location"] == hfile.get_absolute_url()
        assert hfile.members.count() == 2
        assert hfile.per_capita_income == Decimal("666.67")
        assert hfile.primary_cause == Cause.objects.order_by("order").first()

    def test_unit_choices_hold_only_units_the_user_may_file_in(self, client_for, cadre, group_a1, group_b1):
        form = client_for(cadre).get(reverse("cases:file_create")).context["form"]
        assert [pk for pk, _label in form.fields["unit"].choices] == [group_a1.pk]

    def test_posting_a_unit_out_of_scope_is_refused(self, client_for, cadre, group_b1):
        response = client_for(cadre).post(reverse("cases:file_create"), post_data(group_b1.pk))
        assert response.status_code == 200
        assert "unit" in response.context["form"].errors
        assert not HardshipFile.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"id_number": "123"}, "id_number", "18 characters"),
            ({"id_number": "110105194912310021"}, "id_number", "check character"),
            ({"id_number": "110105203012310023"}, "id_number", "future"),
            ({"worker_income": "-5"}, "worker_income", "greater than or equal to 0"),
            ({"worker_income": "99999999"}, "worker_income", "less than or equal to 1000000"),
            ({"worker_income": "12.345"}, "worker_income", "2 decimal places"),
            ({"name": "王" * 51}, "name", "at most 50 characters"),
            ({"phone": "call me"}, "phone", "phone number"),
            ({"causes": []}, "causes", "required"),
        ],
    )
    def test_bad_input_gets_a_clear_message_and_saves_nothing(
        self, client_for, cadre, group_a1, overrides, field, message
    ):
        response = client_for(cadre).post(reverse("cases:file_create"), post_data(group_a1.pk, **overrides))
        assert response.status_code == 200
        assert any(message in e for e in response.context["form"].errors[field])
        assert not HardshipFile.objects.exists() and not Member.objects.exists()

    def test_primary_cause_must_be_ticked(self, client_for, cadre, group_a1):
        last = Cause.objects.order_by("order").last()
        response = client_for(cadre).post(reverse("cases:file_create"), post_data(group_a1.pk, primary_cause=last.pk))
        assert "primary_cause" in response.context["form"].errors
        assert not HardshipFile.objects.exists()

    @pytest.mark.parametrize(
        ("row", "field"),
        [
            ({"relation": ""}, "relation"),
            ({"age": "", "id_number": ""}, "age"),
            ({"age": "200"}, "age"),
            ({"monthly_income": "-1"}, "monthly_income"),
            ({"id_number": "530102198506150014"}, "id_number"),
        ],
    )
    def test_bad_member_rows_save_nothing(self, client_for, cadre, group_a1, row, field):
        response = client_for(cadre).post(reverse("cases:file_create"), post_data(group_a1.pk, members=[row]))
        assert response.status_code == 200
        assert field in response.context["members"].forms[0].errors
        assert not HardshipFile.objects.exists()

    def test_duplicate_id_in_scope_names_the_existing_file(self, client_for, cadre, file_a1, group_a1):
        response = client_for(cadre).post(
            reverse("cases:file_create"), post_data(group_a1.pk, id_number=file_a1.id_number)
        )
        errors = response.context["form"].errors["id_number"]
        assert any(file_a1.name in e for e in errors)
        assert HardshipFile.objects.count() == 1

    def test_duplicate_id_out_of_scope_is_not_revealed(self, client_for, cadre_other_branch, file_a1, group_b1):
        response = client_for(cadre_other_branch).post(
            reverse("cases:file_create"), post_data(group_b1.pk, id_number=file_a1.id_number)
        )
        errors = " ".join(response.context["form"].errors["id_number"])
        assert file_a1.name not in errors and "another unit" in errors
        assert HardshipFile.objects.count() == 1

    def test_messages_come_in_chinese_for_a_chinese_browser(self, client_for, cadre, group_a1):
        response = client_for(cadre, "zh-hans").post(
            reverse("cases:file_create"), post_data(group_a1.pk, id_number="123")
        )
        assert "身份证号码" in " ".join(response.context["form"].errors["id_number"])


class TestListScoping:
    def test_list_search_and_counts_stay_in_scope(self, client_for, cadre, file_a1, group_b1):
        other = HardshipFileFactory(unit=group_b1, name=file_a1.name[:1] + "外人")
        client = client_for(cadre)
        listed = [r.pk for r in client.get(reverse("cases:file_list")).context["page"].items]
        assert listed == [file_a1.pk]
        by_name = [r.pk for r in client.get(reverse("cases:file_list"), {"q": file_a1.name[:1]}).context["page"].items]
        assert other.pk not in by_name and file_a1.pk in by_name
        assert client.get(reverse("cases:file_list"), {"q": other.id_number}).context["page"].items == []
        counts = client.get(reverse("dashboard")).context["counts"]
        assert counts.open_total == 1

    def test_filtering_by_a_unit_out_of_scope_shows_nothing(self, client_for, cadre, file_a1, group_b1):
        HardshipFileFactory(unit=group_b1)
        response = client_for(cadre).get(reverse("cases:file_list"), {"unit": group_b1.pk})
        assert response.context["page"] is None
        assert "unit" in response.context["filter"].errors

    def test_unit_filter_includes_units_below(self, client_for, branch_chair, branch_a, group_a1, group_a2, group_b1):
        mine = [HardshipFileFactory(unit=group_a1), HardshipFileFactory(unit=group_a2)]
        HardshipFileFactory(unit=group_b1)
        page = client_for(branch_chair).get(reverse("cases:file_list"), {"unit": branch_a.pk}).context["page"]
        assert {r.pk for r in page.items} == {f.pk for f in mine}

    def test_filters_by_status_tier_cause_and_review(self, client_for, branch_chair, group_a1):
        today = timezone.localdate()
        tiers = list(Tier.objects.order_by("order"))
        causes = list(Cause.objects.order_by("order"))
        overdue = HardshipFileFactory(
            unit=group_a1,
            status=FileStatus.FILED,
            tier=tiers[1],
            review_due_on=today - dt.timedelta(days=3),
            cause=causes[2],
        )
        soon = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, review_due_on=today + dt.timedelta(days=5))
        draft = HardshipFileFactory(unit=group_a1)
        client = client_for(branch_chair)

        def listed(**params):
            return {r.pk for r in client.get(reverse("cases:file_list"), params).context["page"].items}

        assert listed(status="filed") == {overdue.pk, soon.pk}
        assert listed(tier=tiers[1].pk) == {overdue.pk}
        assert listed(cause=causes[2].pk) == {overdue.pk}
        assert listed(review="overdue") == {overdue.pk}
        assert listed(review="soon") == {soon.pk}
        assert listed() == {overdue.pk, soon.pk, draft.pk}

    def test_keyset_pages_walk_every_file_once(self, client_for, branch_chair, group_a1, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 3}
        files = [HardshipFileFactory(unit=group_a1, per_capita_income=Decimal(i % 4)) for i in range(8)]
        client = client_for(branch_chair)
        seen, params = [], {"sort": "income"}
        while True:
            page = client.get(reverse("cases:file_list"), params).context["page"]
            seen += page.items
            if not page.next_cursor:
                break
            params = {"sort": "income", "after": page.next_cursor}
        assert sorted(f.pk for f in seen) == sorted(f.pk for f in files)
        assert [f.per_capita_income for f in seen] == sorted(f.per_capita_income for f in files)
        back = client.get(reverse("cases:file_list"), {"sort": "income", "before": page.prev_cursor}).context["page"]
        assert back.items == seen[-len(page.items) - 3 : -len(page.items)]

    def test_a_cursor_pointing_out_of_scope_reveals_nothing(self, client_for, cadre, file_a1, group_b1):
        other = HardshipFileFactory(unit=group_b1)
        page = client_for(cadre).get(reverse("cases:file_list"), {"after": other.pk}).context["page"]
        assert other.pk not in [r.pk for r in page.items]


class TestFilePage:
    def test_cadre_sees_no_button_for_a_chairs_step(self, client_for, cadre, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        html = client_for(cadre).get(hfile.get_absolute_url()).content.decode()
        assert reverse("cases:file_transition", args=[hfile.pk, "investigate"]) not in html
        assert reverse("cases:file_update", args=[hfile.pk]) in html

    def test_chair_sees_the_steps_open_to_them(self, client_for, branch_chair, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        response = client_for(branch_chair).get(hfile.get_absolute_url())
        assert [a for a, _label in response.context["actions"]] == ["return", "investigate", "close"]

    def test_federation_staff_read_but_take_no_step(self, client_for, federation_staff, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        response = client_for(federation_staff).get(hfile.get_absolute_url())
        assert response.context["actions"] == [] and not response.context["perms"].can_edit

    def test_step_through_the_browser_is_recorded(self, client_for, branch_chair, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        url = reverse("cases:file_transition", args=[hfile.pk, "investigate"])
        response = client_for(branch_chair).post(
            url, {"investigator": "志愿者 小周", "investigated_on": "2025-01-02", "findings": "属实", "comment": ""}
        )
        assert response.status_code == 302
        hfile.refresh_from_db()
        assert hfile.status == FileStatus.INVESTIGATED

    def test_step_with_bad_input_changes_nothing(self, client_for, branch_chair, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        url = reverse("cases:file_transition", args=[hfile.pk, "investigate"])
        future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        response = client_for(branch_chair).post(url, {"investigator": "", "investigated_on": future, "findings": ""})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"investigator", "investigated_on", "findings"}
        hfile.refresh_from_db()
        assert hfile.status == FileStatus.SUBMITTED

    def test_step_not_allowed_to_the_role_gets_a_message(self, client_for, cadre, group_a1):
        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.SUBMITTED)
        url = reverse("cases:file_transition", args=[hfile.pk, "investigate"])
        response = client_for(cadre).post(
            url, {"investigator": "x", "investigated_on": "2025-01-01", "findings": "x"}, follow=True
        )
        assert "not open to you" in response.content.decode()
        hfile.refresh_from_db()
        assert hfile.status == FileStatus.SUBMITTED

    def test_unknown_step_is_404(self, client_for, branch_chair, file_a1):
        url = reverse("cases:file_transition", args=[file_a1.pk, "delete"])
        assert client_for(branch_chair).get(url).status_code == 404

    def test_out_of_scope_user_cannot_change_a_file(self, client_for, cadre_other_branch, chair_other_branch, file_a1):
        client = client_for(cadre_other_branch)
        assert client.post(reverse("cases:file_update", args=[file_a1.pk]), {"name": "x"}).status_code == 404
        client = client_for(chair_other_branch)
        url = reverse("cases:file_transition", args=[file_a1.pk, "close"])
        assert client.post(url, {"close_reason": "duplicate"}).status_code == 404
        file_a1.refresh_from_db()
        assert file_a1.status == FileStatus.DRAFT

    def test_edit_shows_up_in_history_on_the_file_page(self, client_for, cadre, group_a1):
        client = client_for(cadre)
        client.post(reverse("cases:file_create"), post_data(group_a1.pk, members=[{}]))
        hfile = HardshipFile.objects.get()
        data = post_data(group_a1.pk, name="赵大勇", id_number=hfile.id_number, worker_income="900.00")
        member = hfile.members.get()
        data.update(
            {
                "members-TOTAL_FORMS": "1",
                "members-INITIAL_FORMS": "1",
                "members-0-id": member.pk,
                "members-0-relation": "spouse",
                "members-0-name": "钱芳",
                "members-0-age": "44",
                "members-0-health": "healthy",
                "members-0-schooling": "none",
                "members-0-monthly_income": "800.00",
            }
        )
        assert client.post(reverse("cases:file_update", args=[hfile.pk]), data).status_code == 302
        page = client.get(hfile.get_absolute_url())
        changes = [(c.label, c.old, c.new) for e in page.context["history"] for c in e.changes]
        assert ("Worker's monthly income", "1200.00", "900.00") in changes
        assert page.context["history"][0].actor == cadre.last_name + cadre.first_name


class TestPlan:
    def plan_post(self, helpers):
        from cases.models import MeasureHeading

        data = {
            "goal": "稳定就业",
            "guarantees": ["food", "employment"],
            "target_date": "2027-06-30",
            "measures-TOTAL_FORMS": "1",
            "measures-INITIAL_FORMS": "0",
            "measures-MIN_NUM_FORMS": "0",
            "measures-MAX_NUM_FORMS": "20",
            "measures-0-heading": MeasureHeading.objects.first().pk,
            "measures-0-description": "推荐就业岗位",
            "helpers-TOTAL_FORMS": str(len(helpers)),
            "helpers-INITIAL_FORMS": "0",
            "helpers-MIN_NUM_FORMS": "0",
            "helpers-MAX_NUM_FORMS": "3",
        }
        for i, user in enumerate(helpers):
            data[f"helpers-{i}-user"] = user.pk
            data[f"helpers-{i}-duty"] = "工会干部"
        return data

    def test_plan_with_helpers_in_scope_is_saved(self, client_for, cadre, branch_chair, file_a1):
        response = client_for(cadre).post(
            reverse("cases:plan_edit", args=[file_a1.pk]), self.plan_post([cadre, branch_chair])
        )
        assert response.status_code == 302
        plan = file_a1.plan
        assert plan.guarantees == ["food", "employment"]
        assert [h.user for h in plan.helpers.all()] == [cadre, branch_chair]
        assert plan.measures.get().description == "推荐就业岗位"
        assert [r.history_user for r in plan.history.all()] == [cadre]

    def test_filter_selects_start_empty_so_a_plain_submit_filters_nothing(self, client_for, cadre, file_a1):
        form = client_for(cadre).get(reverse("cases:file_list")).context["filter"].form
        for name in ("tier", "cause", "unit", "status", "review"):
            assert form.fields[name].choices[0][0] == "", name

    def test_changed_guarantees_show_by_their_labels_in_the_history(self, client_for, cadre, file_a1):
        client = client_for(cadre)
        url = reverse("cases:plan_edit", args=[file_a1.pk])
        client.post(url, self.plan_post([cadre]))
        client.post(url, {**self.plan_post([cadre]), "guarantees": ["housing"]})
        page = client.get(file_a1.get_absolute_url())
        assert page.status_code == 200
        changes = [(c.label, c.old, c.new) for e in page.context["history"] for c in e.changes]
        assert ("Guarantees aimed at", "Food、Employment", "Housing") in changes

    def test_helper_out_of_scope_is_refused(self, client_for, cadre, cadre_other_branch, file_a1):
        response = client_for(cadre).post(
            reverse("cases:plan_edit", args=[file_a1.pk]), self.plan_post([cadre_other_branch])
        )
        assert response.status_code == 200
        assert "user" in response.context["helpers"].forms[0].errors
        assert not AssistancePlan.objects.exists()

    def test_helper_choices_hold_users_in_scope_and_the_leaders_above(
        self, client_for, cadre, cadre_a2, branch_chair, cadre_other_branch, file_a1
    ):
        helpers = client_for(cadre).get(reverse("cases:plan_edit", args=[file_a1.pk])).context["helpers"]
        assert set(helpers.forms[0].fields["user"].queryset) == {cadre, branch_chair}

    def test_more_than_three_helpers_are_refused(self, client_for, cadre, group_a1, file_a1):
        extra = [UserFactory(roles=[(group_a1, "cadre")]) for _ in range(3)]
        data = self.plan_post([cadre, *extra])
        response = client_for(cadre).post(reverse("cases:plan_edit", args=[file_a1.pk]), data)
        assert response.status_code == 200
        assert response.context["helpers"].non_form_errors()
        assert not AssistancePlan.objects.exists()
