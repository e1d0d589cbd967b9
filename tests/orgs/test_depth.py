"""The tree is at most MAX_DEPTH levels deep: creating, moving and merging stop there.

The materialised path grows with the depth. PostgreSQL enforces the column's length (SQLite does
not), and a path too long for it used to end in a 500 at the 85th level; the depth limit keeps
every path inside the column whatever the ids, and is refused with a message before anything is
written. Every test runs on both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Integer, func, select

from school.auth.models import User
from school.db import db
from school.orgs import services
from school.orgs.models import MAX_DEPTH, PATH_LENGTH, AuditEntry, Organisation
from school.orgs.services import OrgError, find_org
from school.search.models import SearchDocument
from tests.conftest import login, post

TOO_DEEP = f"党组织最多 {MAX_DEPTH} 级"


def _admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def _chain(top: Organisation, down_to: int, prefix: str) -> dict[int, Organisation]:
    """Organisations one under the other below ``top`` down to level ``down_to``, by level."""
    chain, parent = {}, top
    for level in range(top.depth + 1, down_to + 1):
        parent = services.create(
            _admin(), f"{prefix}{level}级", "branch", parent, f"{prefix}{level}"
        )
        chain[level] = parent
    return chain


def _snapshot() -> dict:
    """What a refused change must leave as it was."""
    return {
        "orgs": sorted(
            db.session.execute(
                select(
                    Organisation.id,
                    Organisation.parent_id,
                    Organisation.path,
                    Organisation.closed_at,
                    Organisation.merged_into_id,
                )
            ).all()
        ),
        "members": sorted(db.session.execute(select(User.id, User.home_org_id, User.host_org_id))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


# The column -----------------------------------------------------------------------------------


def _id_digits(column) -> int:
    """Digits of the largest id the column's type holds on PostgreSQL."""
    if isinstance(column.type, BigInteger):
        return len(str(2**63 - 1))
    assert isinstance(column.type, Integer)
    return len(str(2**31 - 1))


def test_a_path_at_the_deepest_level_fits_the_columns_with_any_id():
    digits = _id_digits(Organisation.__table__.c.id)
    longest = 1 + MAX_DEPTH * (digits + 1)  # "/" and, per level, the id and "/"
    assert longest <= PATH_LENGTH == Organisation.__table__.c.path.type.length
    # Search documents keep a copy of their organisation's path.
    assert longest <= SearchDocument.__table__.c.org_path.type.length


def test_the_deepest_path_with_the_largest_ids_is_stored(app, world):
    with app.app_context():
        parent = None
        for level in range(1, MAX_DEPTH + 1):
            org_id = 2**31 - 1 - MAX_DEPTH + level  # the largest ids an integer column holds
            org = Organisation(
                id=org_id,
                name=f"深{level}",
                kind="branch",
                parent_id=parent.id if parent else None,
                path=f"{parent.path if parent else '/'}{org_id}/",
            )
            db.session.add(org)
            db.session.flush()
            parent = org
        db.session.expire_all()
        deepest = db.session.get(Organisation, 2**31 - 1)
        assert deepest.depth == MAX_DEPTH and len(deepest.path) == 1 + MAX_DEPTH * 11
        db.session.rollback()


# The services ---------------------------------------------------------------------------------


def test_organisations_can_be_created_down_to_the_deepest_level_and_no_deeper(app, world):
    with app.app_context():
        chain = _chain(find_org("一支部"), MAX_DEPTH, "D")
        db.session.commit()
        assert chain[MAX_DEPTH].depth == MAX_DEPTH
        before = _snapshot()

        with pytest.raises(OrgError, match=TOO_DEEP):
            services.create(_admin(), "太深的支部", "branch", chain[MAX_DEPTH])
        with pytest.raises(OrgError, match=TOO_DEEP):
            services.create_org("太深的支部", "branch", chain[MAX_DEPTH])
        db.session.rollback()
        assert _snapshot() == before


def test_a_move_is_judged_by_the_deepest_organisation_it_carries(app, world):
    with app.app_context():
        deep = _chain(find_org("区委"), MAX_DEPTH - 2, "D")
        outbound = find_org("驻深圳支部")  # level 3, with two levels below it after this
        _chain(outbound, 5, "S")
        db.session.commit()
        before = _snapshot()

        with pytest.raises(OrgError, match=TOO_DEEP) as refused:
            services.move_org(_admin(), outbound, deep[MAX_DEPTH - 2])
        assert f"第 {MAX_DEPTH + 1} 级" in str(refused.value)
        db.session.rollback()
        assert _snapshot() == before

        services.move_org(_admin(), outbound, deep[MAX_DEPTH - 3])
        db.session.commit()
        assert find_org("S5级").depth == MAX_DEPTH


def test_a_merge_is_refused_when_the_children_would_go_too_deep(app, world):
    with app.app_context():
        deep = _chain(find_org("区委"), MAX_DEPTH - 2, "D")
        committee = find_org("工委")  # level 2: 驻深圳支部 (3) and two levels below it
        _chain(find_org("驻深圳支部"), 5, "S")
        db.session.commit()
        before = _snapshot()

        with pytest.raises(OrgError, match=TOO_DEEP):
            services.merge_orgs(_admin(), committee, deep[MAX_DEPTH - 2])
        db.session.rollback()
        assert _snapshot() == before

        # Without sub-organisations a merge deepens nothing, however deep the target.
        services.merge_orgs(_admin(), find_org("二支部"), deep[MAX_DEPTH - 2])
        services.merge_orgs(_admin(), committee, deep[MAX_DEPTH - 3])
        db.session.commit()
        assert find_org("S5级").depth == MAX_DEPTH


# The pages ------------------------------------------------------------------------------------


def test_the_pages_explain_the_limit_and_change_nothing(app, client, world):
    with app.app_context():
        deep = _chain(find_org("区委"), MAX_DEPTH, "D")
        _chain(find_org("驻深圳支部"), 5, "S")
        db.session.commit()
        outbound_id, committee_id = find_org("驻深圳支部").id, find_org("工委").id
        deepest_code = deep[MAX_DEPTH].code
        before = _snapshot()
    login(client, "admin")

    created = post(
        client,
        "/manage/orgs/new",
        {
            "name": "第二十一级支部",
            "kind": "branch",
            "parent": deepest_code,
            "code": "",
            "city": "",
        },
    )
    moved = post(client, f"/manage/orgs/{outbound_id}/move", {"new_parent": "D18"})
    merged = post(
        client,
        f"/manage/orgs/{committee_id}/merge",
        {"merge_target": "D19", "confirm_merge": "y"},
    )

    for response in (created, moved, merged):
        assert response.status_code == 200
        assert TOO_DEEP in response.get_data(as_text=True)
    with app.app_context():
        assert _snapshot() == before
