"""Authorization matrix cases for this feature (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
An optional ``objects(world, tmp_path) -> dict`` adds ids the templates point at.

The verification page is public (a phone camera opens it without a login) and answers 200 to
everyone, and so does the holder's photo behind a fresh link; what they show is tested in
tests/cards/test_cards.py. Records and the staff's photo address follow the card's member: their
home or host staff and admins (viewers read, 403 on writing records), 404 for everyone else.
"""

import io
from datetime import timedelta

from PIL import Image

from school.auth.models import User
from school.cards import services as cards
from school.db import db, utcnow
from school.images import store_image
from school.orgs.services import find_org
from tests.factories import make_user

# 张党员 of 一支部: that branch's staff (viewers too) and admins.
_MEMBER_STAFF = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
# 陈流动, home 二支部, host 驻深圳支部 under 工委: the host side and admins.
_FLOATING_STAFF = {"anonymous": 302, "committee": 200, "admin": 200, "*": 404}

CASES: list = [
    ("GET", "/card", {"anonymous": 302, "*": 200}),
    ("POST", "/card/reissue", {"anonymous": 302, "*": 302}),
    ("POST", "/card/photo", {"anonymous": 302, "*": 302}),  # no file: a message, nothing stored
    ("POST", "/card/photo/delete", {"anonymous": 302, "*": 302}),
    ("GET", "/card/photo/{cards_photo_member}", _MEMBER_STAFF),
    ("GET", "/card/photo/{member}", {"anonymous": 302, "*": 404}),  # no photo
    ("GET", "/card/photo/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/card/v/{cards_token}", {"*": 200}),
    ("GET", "/card/v/{cards_floating_token}", {"*": 200}),
    ("GET", "/card/v/not-a-token", {"*": 200}),
    # The holder's photo goes with a fresh link, to anyone who scans it; else 404.
    ("GET", "/card/v/{cards_photo_token}/photo", {"*": 200}),
    ("GET", "/card/v/{cards_token}/photo", {"*": 404}),  # no photo
    ("GET", "/card/v/not-a-token/photo", {"*": 404}),
    # Empty forms: refused by the form and shown again, nothing written.
    # Viewers see the card but write nothing.
    ("POST", "/card/v/{cards_token}/record", {**_MEMBER_STAFF, "viewer": 403}),
    ("POST", "/card/v/{cards_floating_token}/record", _FLOATING_STAFF),
    ("POST", "/card/v/not-a-token/record", {"anonymous": 302, "*": 404}),
    (
        "POST",
        "/manage/members/{member}/card/revoke",
        {"anonymous": 302, "secretary": 302, "admin": 302, "viewer": 403, "*": 404},
    ),
    (
        "POST",
        "/manage/members/{floating}/card/revoke",
        {"anonymous": 302, "committee": 302, "admin": 302, "*": 404},
    ),
    ("POST", "/manage/members/999999/card/revoke", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """Signed card links for 张党员 and 陈流动, and a 一支部 member with a photo."""
    member = db.session.get(User, world.member)
    floating = db.session.get(User, world.floating)
    pictured = make_user("cards_photo", "卡片照片", home_org=find_org("一支部"))
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, "PNG")
    pictured.photo_name = store_image(
        out.getvalue(), "me.png", tmp_path / "uploads" / "photos"
    ).name
    db.session.flush()
    # Signed ahead: the link must still be fresh however long the whole matrix takes.
    ahead = utcnow() + timedelta(hours=6)
    return {
        "cards_token": cards.sign_link(cards.current_card(member)),
        "cards_floating_token": cards.sign_link(cards.current_card(floating)),
        "cards_photo_member": pictured.id,
        "cards_photo_token": cards.sign_link(cards.current_card(pictured), signed_at=ahead),
    }
