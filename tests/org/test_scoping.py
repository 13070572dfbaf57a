from cases.models import HardshipFile, Member
from org.models import Membership, Role, Unit
from org.scoping import scope_for
from tests.factories import HardshipFileFactory, MemberFactory, UnitFactory, UserFactory


def _reload(user):
    return type(user).objects.get(pk=user.pk)


def test_cadre_reaches_own_group_only(cadre, group_a1, group_a2, group_b1):
    assert scope_for(cadre).unit_ids == {group_a1.pk}


def test_branch_chair_reaches_the_branch_and_everything_below(branch_chair, branch_a, group_a1, group_a2, group_b1):
    assert scope_for(branch_chair).unit_ids == {branch_a.pk, group_a1.pk, group_a2.pk}


def test_federation_staff_reach_every_unit(federation_staff, federation, group_a1, group_a2, group_b1):
    assert scope_for(federation_staff).unit_ids == set(Unit.objects.values_list("pk", flat=True))


def test_user_without_membership_reaches_nothing(nobody, file_a1):
    assert scope_for(nobody).unit_ids == frozenset()
    assert not HardshipFile.objects.visible_to(nobody).exists()


def test_membership_at_an_inactive_unit_fails_closed(cadre, group_a1, file_a1):
    group_a1.is_active = False
    group_a1.save()
    assert not HardshipFile.objects.visible_to(_reload(cadre)).exists()


def test_units_below_an_inactive_unit_are_out_of_reach(branch_chair, branch_a, group_a1, group_a2):
    sub = UnitFactory(parent=group_a1)
    group_a1.is_active = False
    group_a1.save()
    assert scope_for(_reload(branch_chair)).unit_ids == {branch_a.pk, group_a2.pk}
    assert sub.pk not in scope_for(_reload(branch_chair)).unit_ids


def test_inactive_user_reaches_nothing(cadre, file_a1):
    cadre.is_active = False
    assert not HardshipFile.objects.visible_to(cadre).exists()


def test_revoked_role_takes_effect_on_the_next_request(cadre, group_a1, file_a1):
    assert HardshipFile.objects.visible_to(_reload(cadre)).count() == 1
    Membership.objects.filter(user=cadre).delete()
    assert HardshipFile.objects.visible_to(_reload(cadre)).count() == 0


def test_new_unit_below_a_chair_is_reached_at_once(branch_chair, branch_a):
    scope_for(_reload(branch_chair))
    new_group = UnitFactory(parent=branch_a)
    assert new_group.pk in scope_for(_reload(branch_chair)).unit_ids


def test_roles_at_covers_units_below_the_membership(branch_chair, cadre, group_a1, group_b1):
    assert scope_for(branch_chair).roles_at(group_a1) == {Role.BRANCH_CHAIR}
    assert scope_for(branch_chair).roles_at(group_b1) == frozenset()
    assert scope_for(cadre).roles_at(group_a1) == {Role.CADRE}


def test_moving_a_unit_moves_its_subtree(federation, branch_a, branch_b, group_a1):
    leaf = UnitFactory(parent=group_a1)
    group_a1.parent = branch_b
    group_a1.save()
    leaf.refresh_from_db()
    assert leaf.path.startswith(branch_b.path + f"{group_a1.pk:06d}/")
    assert leaf.depth == 3
    chair_b = UserFactory(roles=[(branch_b, Role.BRANCH_CHAIR)])
    assert leaf.pk in scope_for(chair_b).unit_ids


def test_scoped_queryset_of_members_follows_the_file(cadre, cadre_other_branch, file_a1):
    MemberFactory(file=file_a1)
    assert Member.objects.visible_to(cadre).count() == 1
    assert Member.objects.visible_to(cadre_other_branch).count() == 0


def test_file_factory_respects_tree(group_b1, cadre):
    HardshipFileFactory(unit=group_b1)
    assert HardshipFile.objects.visible_to(cadre).count() == 0
