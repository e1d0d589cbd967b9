"""Member cards: issuing, revoking, the signed verification link and what a scan may show."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.archive import services as archive
from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.cards.models import MemberCard
from school.cards.permissions import can_revoke_card
from school.clock import current_year, local_zone
from school.db import db, utcnow
from school.members import services as registry
from school.members.models import ManagementNote
from school.orgs.models import Organisation
from school.orgs.permissions import managed_orgs

SALT = "member-card"
STATES = {
    "valid": "有效",
    "expired": "已过期",
    "revoked": "已作废",
    "link_expired": "二维码已过期",
    "invalid": "无效",
}
RECORD_KINDS = {"management": "管理记录", "education": "教育记录"}
NOTE_MAX = 2000
TITLE_MAX = 200
MAX_HOURS = Decimal(24)


class CardError(ValueError):
    """A card action that cannot be done; str(exc) is a message in Chinese."""


def _unrevoked(member: User) -> MemberCard | None:
    return db.session.scalar(
        select(MemberCard).where(MemberCard.member_id == member.id, MemberCard.revoked_at.is_(None))
    )


def _issue(member: User, now: datetime) -> MemberCard:
    """A new card, or the one a concurrent request issued a moment ago."""
    days = int(current_app.config["CARD_VALID_DAYS"])
    card = MemberCard(
        member_id=member.id,
        serial=secrets.token_hex(16),
        issued_at=now,
        expires_at=now + timedelta(days=days),
    )
    try:
        # The partial unique index allows one unrevoked card: the loser of a race re-reads.
        with db.session.begin_nested():
            db.session.add(card)
    except IntegrityError:
        existing = _unrevoked(member)
        if existing is None:  # pragma: no cover - the winner's card was revoked meanwhile
            raise
        return existing
    return card


def current_card(member: User, now: datetime | None = None) -> MemberCard:
    """The member's card in force, issued on first use and replaced once it has expired."""
    now = now or utcnow()
    card = _unrevoked(member)
    if card is not None and card.state(now) == "expired":
        # Set aside without an actor: scans of it still answer "expired" (see card_state).
        card.revoked_at = now
        db.session.flush()
        card = None
    return card or _issue(member, now)


def revoke(member: User, actor: User, now: datetime | None = None) -> MemberCard:
    """Revoke the member's card in force; the member gets a new one when they next open it."""
    now = now or utcnow()
    card = _unrevoked(member)
    if card is None:
        raise CardError("该党员目前没有有效的电子卡。")
    card.revoked_at = now
    card.revoked_by_id = actor.id
    db.session.flush()
    return card


def reissue(member: User, actor: User, now: datetime | None = None) -> MemberCard:
    """Revoke the card in force (if any) and issue a new one: old QR codes stop working."""
    now = now or utcnow()
    card = _unrevoked(member)
    if card is not None:
        card.revoked_at = now
        card.revoked_by_id = actor.id
        db.session.flush()
    return _issue(member, now)


def card_state(card: MemberCard, now: datetime) -> str:
    """valid, expired or revoked; a card set aside only because it expired stays "expired"."""
    revoked = card.revoked_at
    if revoked is not None and card.revoked_by_id is None and revoked >= card.expires_at:
        return "expired"
    return card.state(now)


def _serializer(signed_at: datetime | None = None) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if signed_at is not None:
        stamp = int(signed_at.timestamp())

        class _SignedAt(TimestampSigner):
            def get_timestamp(self) -> int:
                return stamp

        signer = _SignedAt
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=signer)


def sign_link(card: MemberCard, signed_at: datetime | None = None) -> str:
    """The token of a verification link for the card (signed now, or at signed_at)."""
    return _serializer(signed_at).dumps({"c": card.serial})


def link_minutes() -> int:
    return int(current_app.config["CARD_LINK_MINUTES"])


@dataclass(frozen=True)
class Scan:
    """What a scanned link says: the state, the card it names, and whether it is fresh."""

    state: str  # valid, expired, revoked, link_expired or invalid
    card: MemberCard | None
    # Signed within CARD_LINK_MINUTES: the code was on a live card page moments ago.
    fresh: bool

    @property
    def shows_holder(self) -> bool:
        """Whether anyone may see whose card it is (name, photo), as on a shown ID card.

        Only for a fresh link: a code copied off an old screenshot names nobody, whatever
        became of the card since.
        """
        return self.card is not None and self.fresh


def scan(token: str, now: datetime | None = None) -> Scan:
    """Read a scanned token against the cards (changes nothing: a scan is only a look)."""
    now = now or utcnow()
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadData:  # a bad signature or a mangled token; its age is checked below, against now
        return Scan("invalid", None, fresh=False)
    serial = payload.get("c") if isinstance(payload, dict) else None
    if not isinstance(serial, str):
        return Scan("invalid", None, fresh=False)
    card = db.session.scalar(select(MemberCard).where(MemberCard.serial == serial))
    if card is None:
        return Scan("invalid", None, fresh=False)
    fresh = now - signed_at <= timedelta(minutes=link_minutes())
    state = card_state(card, now)
    if state == "valid" and not fresh:
        state = "link_expired"
    return Scan(state, card, fresh)


@dataclass(frozen=True)
class StudySummary:
    year: int
    hours: Decimal
    quota: int
    courses_completed: int
    last_activity_at: datetime | None

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.quota)) if self.quota else 100


def study_summary(member: User, now: datetime | None = None) -> StudySummary:
    """This year's 学时 against the quota, courses completed and last activity (precomputed)."""
    year = current_year(now)
    row = db.session.get(YearProgress, (member.id, year))
    return StudySummary(
        year=year,
        hours=Decimal(row.hours) if row else Decimal(0),
        quota=archive.quota_for(member),
        courses_completed=row.courses_completed if row else 0,
        last_activity_at=row.last_activity_at if row else None,
    )


def note_org(actor: User, member: User) -> Organisation | None:
    """The organisation a note by actor is filed under: their grant covering the host, else home."""
    targets = [org for org in (member.host_org, member.home_org) if org is not None]
    if actor.is_admin:
        return targets[0] if targets else None
    for target in targets:
        for org in managed_orgs(actor):
            if org.contains(target):
                return org
    return None


def _check_day(day: date, now: datetime) -> None:
    if day > now.astimezone(local_zone()).date():
        raise CardError("日期不能晚于今天。")


def add_management_note(
    member: User, actor: User, *, occurred_on: date, body: str, now: datetime | None = None
) -> ManagementNote:
    """File a management record (管理记录) about the member under the actor's organisation."""
    _check_day(occurred_on, now or utcnow())
    org = note_org(actor, member)
    if org is None:
        raise CardError("您不是该党员所在党组织的工作人员，不能添加记录。")
    try:
        return registry.add_note(actor, member, org, occurred_on, body)
    except registry.RegistryError as exc:
        raise CardError(str(exc)) from exc


def add_education_record(
    member: User,
    actor: User,
    *,
    occurred_on: date,
    title: str,
    hours: Decimal,
    now: datetime | None = None,
) -> ArchiveEntry:
    """Record offline study (教育记录) in the member's archive, dated noon of that local day."""
    title = (title or "").strip()
    if not title:
        raise CardError("请填写学习内容。")
    if len(title) > TITLE_MAX:
        raise CardError(f"学习内容最多 {TITLE_MAX} 个字。")
    if hours is None or not Decimal(0) <= hours <= MAX_HOURS:
        raise CardError("学时应在 0 到 24 之间。")
    if hours != hours.quantize(Decimal("0.1")):
        raise CardError("学时最多保留一位小数。")
    _check_day(occurred_on, now or utcnow())
    noon = datetime.combine(occurred_on, time(12), tzinfo=local_zone()).astimezone(UTC)
    entry = archive.append_offline(
        member, title=title, hours=hours, completed_at=noon, recorded_by=actor
    )
    if entry is None:
        raise CardError(f"{occurred_on:%Y-%m-%d} 的“{title}”已经记入档案，学时不会重复计入。")
    return entry


def set_photo(member: User, name: str) -> str | None:
    """Point the member's card at a newly stored photo; returns the old file's name."""
    old = member.photo_name
    member.photo_name = name
    db.session.flush()
    return old


def clear_photo(member: User) -> str | None:
    """Take the photo off the member's card; returns the file's name to delete after commit."""
    old = member.photo_name
    member.photo_name = None
    db.session.flush()
    return old


# How the member's registry page names the state of their card.
CARD_LABELS = {"valid": "有效", "expired": "已过期", "revoked": "已撤销", "none": "未申领"}


def latest_card(member: User) -> MemberCard | None:
    """The member's card in force, else the last one issued (never issues one)."""
    return db.session.scalar(
        select(MemberCard)
        .where(MemberCard.member_id == member.id)
        .order_by(MemberCard.revoked_at.is_not(None), MemberCard.issued_at.desc())
        .order_by(MemberCard.id.desc())
        .limit(1)
    )


def member_page_part(viewer: User, member: User) -> dict[str, object]:
    """The card line of the member's registry page: its state, and whether to offer revoking."""
    card = latest_card(member)
    state = card.state(utcnow()) if card is not None else "none"
    return {
        "card_state": state,
        "card_label": CARD_LABELS[state],
        "card": card,
        "can_revoke": state == "valid" and can_revoke_card(viewer, member),
    }
