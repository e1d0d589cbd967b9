"""Authorization matrix cases for recommendation ballots (collected by tests/test_authz.py).

Three ballots: one open now by 一支部 for 一支部 (张党员, 赵书记 and 孙查看 may vote; 赵书记
manages it, 孙查看 reads its audit), one of 一支部 that opens tomorrow (still editable), and one
open now by 工委 for members hosted under 工委 (陈流动 votes from his host branch; 钱工委,
whose membership is kept at 工委 itself, is not hosted there and is sent to its audit). A ballot a
user may neither vote in nor audit answers 404; admins, who never vote, are sent to the audit.
An empty vote is an abstention: it is cast, and rolled back with the test.
"""

from datetime import timedelta

from school.db import db
from tests.ballots.factories import make_recommendation

_BRANCH_VOTE = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "*": 404}
_BRANCH_AUDIT = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
_BRANCH_VOTED = {"anonymous": 302, "member": 302, "secretary": 302, "viewer": 302, "*": 404}
_STAFF = {"anonymous": 302, "secretary": 200, "committee": 200, "viewer": 200, "admin": 200}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_SCHEDULED_FORM = {"anonymous": 302, "secretary": 200, "admin": 200, "viewer": 403, "*": 404}
_BRANCH_ACT = {"anonymous": 302, "secretary": 302, "admin": 302, "viewer": 403, "*": 404}

CASES: list = [
    ("GET", "/ballots/", {"anonymous": 302, "*": 200}),
    ("GET", "/ballots/{ballot_open}", {**_BRANCH_VOTE, "admin": 302}),
    ("GET", "/ballots/{ballot_scheduled}", {**_BRANCH_VOTE, "admin": 302}),
    (
        "GET",
        "/ballots/{ballot_committee}",
        {"anonymous": 302, "floating": 200, "committee": 302, "admin": 302, "*": 404},
    ),
    ("GET", "/ballots/999999", {"anonymous": 302, "*": 404}),
    ("POST", "/ballots/{ballot_open}/confirm", _BRANCH_VOTE),
    (
        "POST",
        "/ballots/{ballot_open}/vote",
        {**_BRANCH_VOTE, "member": 302, "secretary": 302, "viewer": 302},
    ),
    (
        "POST",
        "/ballots/{ballot_committee}/vote",
        {"anonymous": 302, "floating": 302, "*": 404},
    ),
    (
        "GET",
        "/ballots/manage/",
        {
            "anonymous": 302,
            "secretary": 200,
            "committee": 200,
            "viewer": 200,
            "admin": 200,
            "*": 403,
        },
    ),
    ("GET", "/ballots/manage/new", _MANAGERS),
    ("POST", "/ballots/manage/new", _MANAGERS),  # empty form: shown again, nothing created
    ("GET", "/ballots/manage/{ballot_open}", _BRANCH_AUDIT),
    ("GET", "/ballots/manage/{ballot_scheduled}", _BRANCH_AUDIT),
    (
        "GET",
        "/ballots/manage/{ballot_committee}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/ballots/manage/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/ballots/manage/{ballot_open}/results.xlsx", _BRANCH_AUDIT),
    (
        "GET",
        "/ballots/manage/{ballot_committee}/results.xlsx",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    # Open: the editor sends managers back to the audit page.
    ("GET", "/ballots/manage/{ballot_open}/edit", _BRANCH_ACT),
    ("GET", "/ballots/manage/{ballot_scheduled}/edit", _SCHEDULED_FORM),
    ("POST", "/ballots/manage/{ballot_scheduled}/edit", _SCHEDULED_FORM),  # empty form
    ("POST", "/ballots/manage/{ballot_scheduled}/cancel", _BRANCH_ACT),
    ("POST", "/ballots/manage/{ballot_open}/cancel", _BRANCH_ACT),  # refused, sent back
    ("POST", "/ballots/manage/999999/cancel", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """The three recommendation ballots the cases name."""
    ids = {
        "ballot_open": make_recommendation(title="支部推荐").id,
        "ballot_scheduled": make_recommendation(
            title="明天开始", opens_in=timedelta(days=1), closes_in=timedelta(days=2)
        ).id,
        "ballot_committee": make_recommendation(
            by="committee", org="工委", targets="工委 流入地", title="工委推荐"
        ).id,
    }
    db.session.commit()
    return ids
