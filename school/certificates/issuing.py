"""When certificates are issued: subscribers to the domain events of the features that give one.

Wired in ``create_app``. Each runs in the sender's transaction, right after the write that may
complete something, and issues at most one certificate per member and source:

* a course that gives one: when the member completes it (``course_completed``);
* a class that gives one: when the member's attendance reaches the class's share of its
  sessions (``session_attended``), counted against the sessions the class has at that moment;
* a campaign that gives one: when the member's standing becomes finished, checked after any
  study that can finish it (a lesson, a course, a graded quiz, offline study, group credit for
  many at once), and for those who had already finished when it is launched
  (``campaign_launched``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from school.auth.models import User
from school.campaigns import progress
from school.campaigns.models import Campaign
from school.certificates import services
from school.classes.models import ClassSession
from school.classes.services import member_attendance
from school.clock import local_today, to_local
from school.courses.models import Course
from school.db import db


def on_course_completed(member: User, *, course: Course, at: datetime, **_facts) -> None:
    """A course certificate, if the course gives one."""
    if not course.certificate:
        return
    services.issue(
        member,
        kind="course",
        source_id=course.id,
        title=course.title,
        detail="完成全部必修课时和考试",
        hours=course.hours,
        completed_on=local_today(at),
        issuer=course.org,
    )


def on_session_attended(member: User, *, session: ClassSession, **_facts) -> None:
    """A 培训证明 once the member has attended the class's share of its sessions."""
    training_class = session.training_class
    share = training_class.certificate_share
    if share is None:
        return
    sessions = list(training_class.sessions)
    attended = [s for s in sessions if s.id in member_attendance(training_class, member)]
    if not sessions or len(attended) * 100 < share * len(sessions):
        return
    services.issue(
        member,
        kind="class",
        source_id=training_class.id,
        title=training_class.title,
        detail=f"{training_class.kind_label}，出勤 {len(attended)}/{len(sessions)} 场",
        hours=sum((s.hours for s in attended), Decimal(0)),
        completed_on=max(to_local(s.starts_at).date() for s in attended),
        issuer=training_class.org,
    )


def _certify(member: User, campaign: Campaign, today: date) -> None:
    """The member's campaign certificate, if they hold none and have finished it."""
    if services.valid_certificate(member, "campaign", campaign.id) is not None:
        return
    standing = progress.standing(member, campaign, today)
    if standing.state != "finished":
        return
    if campaign.hours_target:
        hours = standing.hours
    else:
        hours = sum(
            (s.item.course.hours for s in standing.items if s.done and s.item.course is not None),
            Decimal(0),
        )
    services.issue(
        member,
        kind="campaign",
        source_id=campaign.id,
        title=campaign.title,
        detail=f"完成全部 {standing.required_total} 项必修内容",
        hours=hours,
        completed_on=today,
        issuer=campaign.org,
    )


# Whether any launched campaign gives a certificate, asked once per transaction: nearly always
# the answer is no, and a lesson, a quiz or a check-in then costs one statement more, not five.
_GIVING = "certificates.campaigns_giving"
_GIVES = (Campaign.status == "launched", Campaign.certificate.is_(True))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_GIVING, None)


def _giving(*conditions) -> list[Campaign]:
    """Launched campaigns that give a certificate and meet ``conditions``."""
    info = db.session.info
    if _GIVING not in info:
        info[_GIVING] = db.session.scalar(select(Campaign.id).where(*_GIVES).limit(1)) is not None
    if not info[_GIVING]:
        return []
    return list(
        db.session.scalars(select(Campaign).where(*_GIVES, *conditions).order_by(Campaign.id))
    )


def on_study(member: User, **_facts) -> None:
    """After study that may finish a campaign: the member's standing in each campaign reaching
    them that gives a certificate."""
    if member.is_admin:
        return
    today = local_today()
    for campaign in _giving(Campaign.id.in_(progress.reaching(member, today))):
        _certify(member, campaign, today)


def on_group_study(_staff: User, *, member_ids: list[int], **_facts) -> None:
    """After group credit: those of the members whom it brings to the end of a campaign that
    gives a certificate, one statement per such campaign."""
    today = local_today()
    for campaign in _giving():
        for member in progress.finished_members(campaign, today, among=member_ids):
            _certify(member, campaign, today)


def on_campaign_launched(campaign: Campaign, **_facts) -> None:
    """Members who had already done everything the campaign asks get their certificate now."""
    if not campaign.certificate:
        return
    db.session.info.pop(_GIVING, None)  # this one gives certificates from now on
    today = local_today()
    for member in progress.finished_members(campaign, today):
        _certify(member, campaign, today)
