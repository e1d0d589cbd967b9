"""Authorization matrix cases for certificates (collected by tests/test_authz.py).

张党员 holds a 培训证明 from 一支部's class: they, 一支部's staff and admins see it; its
managers (the branch secretary, admins) revoke it; everyone may verify its code, signed in or
not.
"""

from datetime import time, timedelta
from decimal import Decimal

from school.auth.models import User
from school.certificates import services as certificates
from school.classes import services
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.orgs.services import find_org

_SEE = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
# An empty form: told to give a reason, nothing changed.
_REVOKE = {
    "anonymous": 302,
    "member": 403,
    "viewer": 403,
    "secretary": 302,
    "admin": 302,
    "*": 404,
}
_LIST = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}

CASES: list = [
    ("GET", "/certificates/{certificate}", _SEE),
    ("GET", "/certificates/999999", {"anonymous": 302, "*": 404}),
    # Needs a font with Chinese characters (fonts-noto-cjk), as the PDF test does.
    ("GET", "/certificates/{certificate}.pdf", _SEE),
    ("POST", "/certificates/{certificate}/revoke", _REVOKE),
    ("GET", "/manage/certificates/class/{certified_class}", _LIST),
    ("GET", "/manage/certificates/nothing/1", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/certificates/class/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/verify", {"*": 200}),
    ("GET", "/verify/{certificate_code}", {"*": 200}),
    ("GET", "/verify/ABCD-2345-WXYZ", {"*": 404}),
]


def objects(world, tmp_path) -> dict:
    secretary = db.session.get(User, world.secretary)
    member = db.session.get(User, world.member)
    fields = ClassFields(
        title="一支部专题讲座",
        kind="lecture",
        place="党群服务中心",
        certificate_share=100,
    )
    training_class = services.create_class(secretary, find_org("一支部"), fields)
    session = services.add_session(
        secretary,
        training_class,
        title="第一讲",
        day=local_today() - timedelta(days=1),
        start=time(9),
        end=time(12),
        hours=Decimal(3),
    )
    services.enrol(training_class, member, secretary)
    services.check_in(session, member, secretary, "hand")
    certificate = certificates.valid_certificate(member, "class", training_class.id)
    return {
        "certificate": certificate.id,
        "certificate_code": certificate.printed_code,
        "certified_class": training_class.id,
    }
