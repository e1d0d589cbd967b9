"""The member's own study archive runs a fixed few SQL statements, however long the archive:
who recorded each entry comes with the entries, and quiz attempts are grouped and linked from
what the entries hold."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from school.archive import services
from school.auth.models import User
from school.db import db
from tests.conftest import login

# The login, the years with entries, the year's entries with who recorded them, the member's
# certificates, honours and appraisal grades (however many).
ARCHIVE = 6
# The printed sheet has no site header (no menu, no unread count) but names the organisation.
PRINT = 7


@pytest.mark.parametrize("entries", [1, 6])
@pytest.mark.parametrize("page", ["archive", "print"])
def test_the_archive(app, client, world, count_statements, entries, page):
    with app.app_context():
        member, secretary = (
            db.session.get(User, world.member),
            db.session.get(User, world.secretary),
        )
        for n in range(entries):
            services.append_offline(
                member,
                title=f"讲座 {n}",
                hours=Decimal("1.5"),
                completed_at=datetime(2024 + n % 2, 3, 1 + n, tzinfo=UTC),
                recorded_by=secretary,
            )
            # Attempts at two quizzes: grouped, linked and scored without asking again.
            services.append_quiz(
                member,
                attempt_id=1000 + n,
                title=f"测验 {n % 2}",
                course_title=None,
                course_id=None,
                score=Decimal(n),
                max_score=Decimal(10),
                passed=n > 2,
                completed_at=datetime(2024, 4, 1 + n, tzinfo=UTC),
                quiz_id=n % 2,
                attempt_number=n // 2 + 1,
            )
        db.session.commit()
    login(client, "member")
    url = "/archive/?year=2024" if page == "archive" else "/archive/print?year=2024"
    response, statements = count_statements(client, url)
    assert response.status_code == 200 and "讲座 0" in response.get_data(as_text=True)
    assert len(statements) == (ARCHIVE if page == "archive" else PRINT), "\n".join(statements)


def test_the_summary_from_the_listed_entries_is_the_sql_sum(app, world):
    """The page adds up the entries it lists; the total must be the very Decimal the SQL gives."""
    with app.app_context():
        member = db.session.get(User, world.member)
        secretary = db.session.get(User, world.secretary)
        for n, hours in enumerate(["1.5", "1.5", "0.1", "2"]):
            services.append_offline(
                member,
                title=f"讲座 {n}",
                hours=Decimal(hours),
                completed_at=datetime(2024, 3, 1 + n, tzinfo=UTC),
                recorded_by=secretary,
            )
        for year in (2023, 2024):
            listed = services.entries(member, year)
            summary = services.summary_of(member, year, listed)
            assert summary == services.year_summary(member, year)
            assert str(summary.hours) == str(services.year_summary(member, year).hours)
