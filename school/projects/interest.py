"""Members' interest (意向) and referrals (推荐客商), and the publishing organisation's follow-ups.

    register_interest  once per member and project (the schema holds it): a second submission,
                       from a second tab or a double tap, edits the first; after a withdrawal it
                       renews the same row and says so in its log
    withdraw_interest  dates the interest and logs it; nothing is deleted
    recommend          a contact who is not a user; several per member, the same phone once
    record_followup    staff of the publishing organisation: a dated entry appended to the log,
                       the row's state moved, and the member told when the state changed; the
                       same entry sent twice in a row is recorded once

All refuse with ``ProjectError`` and change nothing; they add and flush, the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.notifications.services import notify
from school.projects.models import (
    FOLLOWUP_STATES,
    HELP_KINDS,
    Project,
    ProjectFollowUp,
    ProjectInterest,
    ProjectReferral,
)
from school.projects.permissions import can_take_part, in_audience, writes
from school.projects.services import NAME_MAX, ProjectError, phone_number, text_within

NOTE_MAX, COMPANY_MAX, NEXT_STEP_MAX = 500, 100, 200
# A follow-up is dated on the day of the contact: not in the future, not before this.
EARLIEST = date(2000, 1, 1)


def _closed_message(project: Project) -> str:
    return f"项目现在是“{project.status_label}”，不再接受意向登记和推荐。"


def my_interest(member: User, project: Project) -> ProjectInterest | None:
    """The member's interest in the project, withdrawn or not."""
    return db.session.scalar(
        select(ProjectInterest).where(
            ProjectInterest.project_id == project.id, ProjectInterest.member_id == member.id
        )
    )


def my_referrals(member: User, project: Project) -> list[ProjectReferral]:
    """The contacts the member recommended for the project, oldest first."""
    return list(
        db.session.scalars(
            select(ProjectReferral)
            .where(ProjectReferral.project_id == project.id, ProjectReferral.member_id == member.id)
            .order_by(ProjectReferral.id)
        )
    )


def _log(
    subject: ProjectInterest | ProjectReferral, actor: User, action: str, **values
) -> ProjectFollowUp:
    entry = ProjectFollowUp(
        interest_id=subject.id if isinstance(subject, ProjectInterest) else None,
        referral_id=subject.id if isinstance(subject, ProjectReferral) else None,
        action=action,
        state=subject.state,
        actor_id=actor.id,
        created_at=utcnow(),
        **values,
    )
    db.session.add(entry)
    return entry


def register_interest(
    member: User, project: Project, help_kind: str, note: str, now: datetime | None = None
) -> ProjectInterest:
    """Register the member's interest, or edit it (renewing it after a withdrawal)."""
    if not can_take_part(member, project):
        raise ProjectError(_closed_message(project))
    if help_kind not in HELP_KINDS:
        raise ProjectError("请选择您能提供的帮助。")
    note = text_within(note, "说明", NOTE_MAX, required=False)
    now = now or utcnow()
    interest = my_interest(member, project)
    if interest is None:
        try:
            with db.session.begin_nested():
                interest = ProjectInterest(
                    project_id=project.id,
                    member_id=member.id,
                    help=help_kind,
                    note=note,
                    created_at=now,
                    updated_at=now,
                )
                db.session.add(interest)
                db.session.flush()
            return interest
        except IntegrityError:  # the same form sent from two tabs at once: the other one won
            interest = my_interest(member, project)
            assert interest is not None
    interest.help, interest.note, interest.updated_at = help_kind, note, now
    if interest.withdrawn_at is not None:
        interest.withdrawn_at = None
        _log(interest, member, "renew")
    db.session.flush()
    return interest


def withdraw_interest(
    member: User, project: Project, now: datetime | None = None
) -> ProjectInterest:
    """Withdraw the member's interest: dated and logged, never deleted."""
    interest = my_interest(member, project)
    if interest is None or not in_audience(member, project):
        raise ProjectError("您没有登记过这个项目的意向。")
    if interest.withdrawn_at is not None:
        raise ProjectError("您已经撤回了这个项目的意向。")
    interest.withdrawn_at = now or utcnow()
    _log(interest, member, "withdraw")
    db.session.flush()
    return interest


def recommend(
    member: User, project: Project, name: str, company: str, phone: str, note: str
) -> tuple[ProjectReferral, bool]:
    """Recommend a contact for the project; (the referral, whether it is new). The same phone
    from the same member again (a second tab, a double tap) finds the first."""
    if not can_take_part(member, project):
        raise ProjectError(_closed_message(project))
    name = text_within(name, "联系人姓名", NAME_MAX)
    company = text_within(company, "单位", COMPANY_MAX, required=False)
    phone = phone_number(phone, "联系人电话")
    note = text_within(note, "推荐说明", NOTE_MAX, required=False)

    def existing() -> ProjectReferral | None:
        return db.session.scalar(
            select(ProjectReferral).where(
                ProjectReferral.project_id == project.id,
                ProjectReferral.member_id == member.id,
                ProjectReferral.phone == phone,
            )
        )

    found = existing()
    if found is not None:
        return found, False
    try:
        with db.session.begin_nested():
            referral = ProjectReferral(
                project_id=project.id,
                member_id=member.id,
                name=name,
                company=company,
                phone=phone,
                note=note,
                created_at=utcnow(),
            )
            db.session.add(referral)
            db.session.flush()
        return referral, True
    except IntegrityError:
        found = existing()
        assert found is not None
        return found, False


# --- the staff side ------------------------------------------------------------------------------


def interests_of(project: Project) -> list[ProjectInterest]:
    """Every interest in the project, active first then withdrawn, newest first, with each
    member and their organisations loaded."""
    return list(
        db.session.scalars(
            select(ProjectInterest)
            .where(ProjectInterest.project_id == project.id)
            .options(
                selectinload(ProjectInterest.member).selectinload(User.home_org),
                selectinload(ProjectInterest.member).selectinload(User.host_org),
            )
            .order_by(ProjectInterest.withdrawn_at.is_not(None), ProjectInterest.created_at.desc())
        )
    )


def referrals_of(project: Project) -> list[ProjectReferral]:
    """Every referral for the project, newest first, with who recommended it and where."""
    return list(
        db.session.scalars(
            select(ProjectReferral)
            .where(ProjectReferral.project_id == project.id)
            .options(
                selectinload(ProjectReferral.member).selectinload(User.home_org),
                selectinload(ProjectReferral.member).selectinload(User.host_org),
            )
            .order_by(ProjectReferral.created_at.desc(), ProjectReferral.id.desc())
        )
    )


def _entries(subject: ProjectInterest | ProjectReferral):
    """A query of the log entries of an interest or a referral."""
    column = (
        ProjectFollowUp.interest_id
        if isinstance(subject, ProjectInterest)
        else ProjectFollowUp.referral_id
    )
    return select(ProjectFollowUp).where(column == subject.id)


def log_of(subject: ProjectInterest | ProjectReferral) -> list[ProjectFollowUp]:
    """The log of an interest or a referral, oldest first, with who wrote each entry."""
    query = _entries(subject).options(selectinload(ProjectFollowUp.actor))
    return list(db.session.scalars(query.order_by(ProjectFollowUp.id)))


def _last_entry(subject: ProjectInterest | ProjectReferral) -> ProjectFollowUp | None:
    return db.session.scalar(_entries(subject).order_by(ProjectFollowUp.id.desc()).limit(1))


def record_followup(
    actor: User,
    subject: ProjectInterest | ProjectReferral,
    state: str,
    contacted_on: date | None,
    note: str,
    next_step: str = "",
    today: date | None = None,
) -> ProjectFollowUp:
    """Append a follow-up to an interest or a referral; tell its member when the state moved."""
    project = subject.project
    if not writes(actor, project):
        raise ProjectError("只有发布项目的党组织可以记录跟进。")
    if state not in FOLLOWUP_STATES:
        raise ProjectError("请选择跟进状态。")
    today = today or local_today()
    if contacted_on is None:
        raise ProjectError("请填写联系日期。")
    if contacted_on > today:
        raise ProjectError("联系日期不能晚于今天。")
    if contacted_on < EARLIEST:
        raise ProjectError("联系日期不对，请检查年份。")
    note = text_within(note, "跟进情况", NOTE_MAX)
    next_step = text_within(next_step, "下一步", NEXT_STEP_MAX, required=False)
    # Two staff recording at once: the second waits and sees the first's state, so the member
    # is told of each change once.
    db.session.flush()
    db.session.scalars(
        select(type(subject))
        .where(type(subject).id == subject.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if isinstance(subject, ProjectInterest) and subject.withdrawn_at is not None:
        raise ProjectError("党员已撤回这条意向，不能再记录跟进。")
    last = _last_entry(subject)
    if last is not None and (
        last.action,
        last.actor_id,
        last.state,
        last.contacted_on,
        last.note,
        last.next_step,
    ) == ("follow", actor.id, state, contacted_on, note, next_step):
        return last  # the same form sent twice (a double tap, a second tab): recorded once
    before = subject.state
    subject.state = state
    subject.followed_up_at = utcnow()
    entry = _log(
        subject, actor, "follow", contacted_on=contacted_on, note=note, next_step=next_step
    )
    db.session.flush()
    member = subject.member
    if state != before and in_audience(member, project):
        label = FOLLOWUP_STATES[state]
        what = (
            "您登记的意向"
            if isinstance(subject, ProjectInterest)
            else f"您推荐的联系人{subject.name}"
        )
        notify(
            [member],
            "project",
            f"家乡项目“{project.title}”：{what}跟进状态为“{label}”。",
            f"/projects/{project.id}",
            exclude=actor,
        )
    return entry
