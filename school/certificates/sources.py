"""What gives certificates: courses, campaigns and classes, as the certificate pages need them
(the thing itself, its title, the organisation that runs it, and its staff page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from school.campaigns.models import Campaign
from school.classes.models import TrainingClass
from school.courses.models import Course
from school.db import db
from school.orgs.models import Organisation


@dataclass(frozen=True)
class Source:
    model: type
    back_url: Callable[[Any], str]

    def load(self, source_id: int) -> Any:
        return db.session.get(self.model, source_id)

    def org(self, source: Any) -> Organisation | None:
        return source.org

    def title(self, source: Any) -> str:
        return source.title


SOURCES = {
    "course": Source(Course, lambda c: url_for("studio.course", slug=c.slug)),
    "campaign": Source(Campaign, lambda c: url_for("campaigns.detail", campaign_id=c.id)),
    "class": Source(TrainingClass, lambda c: url_for("classes.staff_page", class_id=c.id)),
}
