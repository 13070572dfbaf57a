"""Realistic demo households: names, valid resident IDs, members, incomes and lifecycles."""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hardship.bulk import copy_rows, new_ids
from org.models import Unit
from org.scoping import scope_for

from .idcard import age_on, check_character
from .models import (
    Cause,
    EmploymentStatus,
    FileCause,
    HardshipFile,
    Health,
    MeasureHeading,
    Member,
    Relation,
    Schooling,
    Tier,
)
from .notice import notice_create, objection_record
from .notice_models import PublicNotice
from .relief import relief_confirm, relief_propose
from .relief_models import ReliefBasis
from .services import MemberData, file_save, file_transition, plan_save
from .workflow import CloseReason, FileAction, FileKind, FileStatus, HandoverReason

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强海燕文斌"
AREAS = ("530102", "530103", "530111", "530302", "530402", "630102", "630103", "150102", "150203", "110105")
STREETS = ("人民路", "建设路", "解放路", "和平街", "文化路", "新华路", "工农路", "胜利街")
EMPLOYERS = ("第一机械厂", "纺织集团", "市公交公司", "运输公司", "钢铁公司", "电力设备厂")


@dataclass
class DemoPeople:
    by_username: dict


# The apps built on cases (funds, visits...) add their demo data here: `seed_demo` imports every app's
# `demo` module and runs each registered step after the files, so cases never imports those apps.
DemoStep = Callable[..., str]
DEMO_STEPS: list[DemoStep] = []


def demo_step(step: DemoStep) -> DemoStep:
    """Register `step(*, federation, groups, people) -> str` (a line for the log); it must be idempotent."""
    if step not in DEMO_STEPS:
        DEMO_STEPS.append(step)
    return step


def resident_id(index: int, sex: str = "M", birth: dt.date | None = None) -> str:
    """A valid, unique-per-index resident ID number."""
    birth = birth or dt.date(1962, 1, 1) + dt.timedelta(days=index % 14000)
    seq = (index // 14000) % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{AREAS[index % len(AREAS)]}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _members(rng: random.Random, index: int, worker_birth: dt.date) -> list[dict]:
    today = timezone.localdate()
    rows = [
        {
            "relation": Relation.SPOUSE,
            "name": person_name(rng),
            "id_number": "",
            "age": max(18, age_on(worker_birth, today) + rng.randint(-5, 5)),
            "health": rng.choice([Health.HEALTHY, Health.HEALTHY, Health.CHRONIC, Health.SERIOUS]),
            "schooling": Schooling.NONE,
            "job": rng.choice(["", "保洁员", "临时工", "无"]),
            "monthly_income": money(rng, 0, 1800),
        }
    ]
    for n in range(rng.choice((0, 1, 1, 2))):
        age = rng.randint(3, 22)
        stage = (
            Schooling.PRESCHOOL
            if age < 6
            else Schooling.PRIMARY
            if age < 12
            else Schooling.JUNIOR
            if age < 15
            else Schooling.SENIOR
            if age < 18
            else Schooling.COLLEGE
        )
        birth = today.replace(year=today.year - age) - dt.timedelta(days=40 + n)
        rows.append(
            {
                "relation": Relation.CHILD,
                "name": person_name(rng),
                "id_number": resident_id(index * 3 + n + 1, rng.choice("MF"), birth),
                "age": age,
                "health": Health.HEALTHY,
                "schooling": stage,
                "job": "",
                "monthly_income": Decimal("0"),
            }
        )
    return rows


def _file_data(rng: random.Random, index: int, tiers: list[Tier]) -> dict:
    sex = rng.choice("MF")
    return {
        "name": person_name(rng),
        "id_number": resident_id(index, sex),
        "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        "address": f"{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 6)}单元",
        "employer": rng.choice(EMPLOYERS),
        "employment_status": rng.choice(list(EmploymentStatus.values)),
        "union_member": rng.random() < 0.95,
        "health": rng.choice(list(Health.values)),
        "worker_income": money(rng, 0, 2600),
        "other_income": money(rng, 0, 600),
        "tier": rng.choice(tiers),
    }


# Where each demo file ends up, in proportions that look like a real branch.
LIFECYCLE = [
    (FileStatus.DRAFT, 2),
    (FileStatus.SUBMITTED, 2),
    (FileStatus.INVESTIGATED, 1),
    (FileStatus.FILED, 10),
    (FileStatus.RELIEVED, 2),
    (FileStatus.HANDED_OVER, 1),
    (FileStatus.CLOSED, 1),
]


def _target_status(rng: random.Random) -> str:
    return rng.choices([s for s, _w in LIFECYCLE], weights=[w for _s, w in LIFECYCLE])[0]


@transaction.atomic
def demo_file_through_services(
    *, index: int, rng: random.Random, people: DemoPeople, groups: list[list[Unit]]
) -> HardshipFile:
    """One demo file, created and moved through its lifecycle by the real services."""
    branch_no = index % len(groups)
    group = groups[branch_no][(index // len(groups)) % len(groups[branch_no])]
    cadre = people.by_username[{0: "cadre", 1: "cadre3", 2: "cadre4"}[branch_no]]
    chair = people.by_username[["chair", "chair2", "chair3"][branch_no]]
    if group.pk not in scope_for(cadre).unit_ids:
        cadre = chair
    tiers, causes = list(Tier.objects.filter(is_active=True)), list(Cause.objects.filter(is_active=True))
    data = _file_data(rng, index, tiers)
    chosen = rng.sample(causes, rng.choice((1, 2, 3)))
    members = [MemberData(fields=m) for m in _members(rng, index, dt.date(1970, 1, 1))]
    target = _target_status(rng)
    if target == FileStatus.SUBMITTED and rng.random() < 0.3:
        data["kind"] = FileKind.TEMPORARY  # just above the line, for temporary relief
    hfile = file_save(by=cadre, unit=group, data=data, causes=chosen, primary_cause=chosen[0], members=members)
    if target == FileStatus.DRAFT:
        return hfile
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre, comment="请审核")
    if target == FileStatus.CLOSED and rng.random() < 0.5:
        return file_transition(
            hfile=hfile,
            action=FileAction.CLOSE,
            by=chair,
            close_reason=CloseReason.INELIGIBLE,
            comment="入户调查后不符合条件",
        )
    if target == FileStatus.SUBMITTED:
        return hfile
    today = timezone.localdate()
    file_transition(
        hfile=hfile,
        action=FileAction.INVESTIGATE,
        by=chair,
        investigator=f"{chair.last_name}{chair.first_name}",
        investigated_on=today - dt.timedelta(days=rng.randint(1, 30)),
        findings="入户核实：家庭收入与申报一致，住房条件较差。",
    )
    if target == FileStatus.INVESTIGATED:
        return hfile
    file_transition(
        hfile=hfile,
        action=FileAction.FILE,
        by=chair,
        comment="经公示无异议，建档立卡",
        review_due_on=today + dt.timedelta(days=rng.randint(-20, 340)),
    )
    heading = MeasureHeading.objects.filter(is_active=True).first()
    plan_save(
        hfile=hfile,
        by=chair,
        goal="两年内实现稳定就业，子女顺利完成学业。",
        guarantees=["food", "employment", "schooling"],
        target_date=today + dt.timedelta(days=730),
        measures=[{"heading": heading, "description": "推荐参加技能培训并对接就业岗位"}],
        # The branch chair is the unit leader helping some households, not all: a helper may not decide
        # on the household's aid, and the chair approves the others' (the demo aid requests need them).
        helpers=[{"user": cadre, "duty": "工会干部"}]
        + ([{"user": chair, "duty": "单位领导"}] if chair != cadre and index % 7 >= 3 else []),
        goals_met_on=today if target == FileStatus.RELIEVED else None,
    )
    if target == FileStatus.RELIEVED:
        return _demo_relief(hfile, cadre, chair, relapse=rng.random() < 0.25)
    if target == FileStatus.HANDED_OVER:
        return file_transition(
            hfile=hfile,
            action=FileAction.HAND_OVER,
            by=chair,
            handover_reason=HandoverReason.SERIOUS_ILLNESS,
            comment="长期重病，工会帮扶难以脱困，移交民政兜底保障",
        )
    if target == FileStatus.CLOSED:
        return file_transition(
            hfile=hfile, action=FileAction.CLOSE, by=chair, close_reason=CloseReason.LEFT_UNION, comment="已调离本单位"
        )
    return hfile


def _demo_relief(hfile: HardshipFile, cadre, chair, *, relapse: bool) -> HardshipFile:
    """Relief as the product does it: proposed on the plan's goals, confirmed by the chair; some fall back."""
    relief_propose(hfile=hfile, by=cadre, basis=ReliefBasis.PLAN_GOALS_MET, note="配偶实现稳定就业，子女已毕业工作。")
    hfile = relief_confirm(hfile=hfile, by=chair, note="同意脱困，进入五年过渡期")
    if relapse:
        hfile = file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="配偶再次失业，本人病情加重")
    return hfile


def bulk_files(
    *,
    groups: list[Unit],
    count: int,
    start: int,
    rng: random.Random,
    created_by,
    log: Callable[[str], None],
    batch: int = 10_000,
) -> int:
    """Insert `count` files with members and causes in batches: for benchmark-sized datasets.

    Rows are plain values written by COPY on PostgreSQL (multi-row INSERT elsewhere), and
    file ids are drawn from the table's sequence first: no model instance is built per row,
    which keeps 200,000 files well under three minutes.
    """
    tiers, causes = list(Tier.objects.filter(is_active=True)), list(Cause.objects.filter(is_active=True))
    now, federation_id = timezone.now(), groups[0].root_id
    connection = transaction.get_connection()

    made = 0
    while made < count:
        n = min(batch, count - made)
        with transaction.atomic(), connection.cursor() as cursor:
            files, members, links = [], [], []
            for i, pk in enumerate(new_ids(cursor, HardshipFile, n)):
                row, its_members, its_causes = _bulk_file(
                    rng, start + made + i, pk, groups, tiers, causes, federation_id, created_by.pk, now
                )
                files.append(row)
                members += its_members
                links += its_causes
            copy_rows(cursor, HardshipFile, files)
            copy_rows(cursor, Member, members)
            copy_rows(cursor, FileCause, links)
        made += n
        log(f"  {start + made} files")
    return made


def _bulk_file(
    rng, index, pk, groups, tiers, causes, federation_id, created_by_id, now
) -> tuple[dict, list[dict], list[dict]]:
    """One file's column values, its members' and its causes': incomes derived, dates fitting its status."""
    from hardship.money import quantize  # Here, not at the top: only the bulk rows round by hand.

    data = _file_data(rng, index, tiers)
    tier, number = data.pop("tier"), data["id_number"]
    birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    # Children get no ID number here: the index scheme that keeps workers' IDs unique would repeat theirs.
    members = [{**m, "file_id": pk, "id_number": ""} for m in _members(rng, index, birth)]
    household = data["worker_income"] + data["other_income"] + sum(m["monthly_income"] for m in members)
    size = 1 + len(members)
    status = _target_status(rng)
    created = now - dt.timedelta(seconds=rng.randint(3600, 5 * 365 * 86400))
    updated = created + (now - created) * rng.random()
    last_step = timezone.localdate(updated)
    filed = status in (FileStatus.FILED, FileStatus.RELIEVED, FileStatus.HANDED_OVER) or (
        status == FileStatus.CLOSED and rng.random() < 0.5
    )
    row = {
        **data,
        "id": pk,
        "tier_id": tier.pk,
        "unit_id": groups[index % len(groups)].pk,
        "federation_id": federation_id,
        "status": status,
        "birth_date": birth,
        "sex": "M" if int(number[16]) % 2 else "F",
        "household_size": size,
        "household_income": quantize(household),
        "per_capita_income": quantize(household / size),
        "filed_on": timezone.localdate(created + (updated - created) / 3) if filed else None,
        "review_due_on": last_step + dt.timedelta(days=rng.randint(-30, 335)) if status == FileStatus.FILED else None,
        "created_by_id": created_by_id,
        # Raw column values go to the database as they are: the JSON text of "no suggestion yet".
        "tier_basis": "{}",
        "created_at": created,
        "updated_at": updated,
    }
    if status == FileStatus.RELIEVED:
        row.update(
            relieved_on=last_step,
            relief_reason="配偶实现稳定就业，人均收入连续六个月高于当地低保标准。",
            transition_ends_on=last_step + dt.timedelta(days=5 * 365 + 1),
        )
    elif status == FileStatus.HANDED_OVER:
        row.update(handed_over_on=last_step, handover_reason=rng.choice(list(HandoverReason.values)))
    elif status == FileStatus.CLOSED:
        row.update(closed_on=last_step, close_reason=rng.choice(list(CloseReason.values)))
    picked = rng.sample(causes, rng.choice((1, 2)))
    links = [{"file_id": pk, "cause_id": cause.pk, "is_primary": j == 0} for j, cause in enumerate(picked)]
    return row, members, links


@demo_step
@transaction.atomic
def seed_demo_notice(*, federation: Unit, groups: list[list[Unit]], people: DemoPeople) -> str:
    """The first branch's investigated households on a running public notice, one with a pending objection."""
    branch = groups[0][0].parent
    if PublicNotice.objects.filter(unit=branch).exists():
        return "Demo public notice present."
    chair, today = people.by_username["chair"], timezone.localdate()
    waiting = list(
        HardshipFile.objects.filter(unit__path__startswith=branch.path, status=FileStatus.INVESTIGATED).order_by("pk")[
            :5
        ]
    )
    if not waiting:
        return "No investigated household to put on public notice."
    notice_create(
        unit=branch,
        by=chair,
        files=waiting,
        title="困难职工建档立卡公示",
        starts_on=today,
        contact="机械分会工会办公室 0871-6543210",
    )
    objection_record(
        hfile=waiting[0], by=chair, raised_by="匿名", raised_on=today, content="反映该户配偶有稳定收入，请核实。"
    )
    return f"Demo public notice of {len(waiting)} households, one objection pending."
