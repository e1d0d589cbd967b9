"""A notification: one short sentence for one user, linking to a page on this site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from school.db import Base, UTCDateTime, utcnow


class Notification(Base):
    """One line of a user's inbox.

    ``text`` is shown as it is stored, so whoever calls ``notify`` must only put into it what the
    recipient is allowed to see (no titles of hidden threads, no other members' scores). It is
    plain text: templates escape it.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # The header counts unread rows on every page: (user_id, read_at) answers that from the
        # index alone, and also serves the inbox's lookup by user. The convention names it
        # ix_notifications_user_id.
        Index(None, "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Notifications are disposable: they go with the account.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "reply", "answer", "state", "assigned", "faq" ...: free text so a new feature needs no
    # migration to add its own kind.
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(300))
    # A path on this site (checked by services.notify and again before redirecting).
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
