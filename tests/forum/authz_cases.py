"""Authorization matrix cases for questions to FAQ (collected by tests/test_authz.py).

张党员 (member) asked three private questions of 一支部, each answered by 赵书记: one not yet
published, one published as an anonymised FAQ copy, and one whose copy he objected to. The
question's handlers (赵书记, 孙查看 who reads the branch, admins) publish copies; only the asker
objects. A public copy is readable by every member; a withdrawn one only by its handlers.
What the pages do is tested in tests/forum/test_faq.py.

Handing an item on (转办) and its deadline (督办): tests/forum/test_forwarding.py.
"""

from school.auth.models import User
from school.db import db
from school.forum import forwarding, services
from school.orgs.services import find_org

_HANDLERS = {"secretary": 200, "viewer": 200, "admin": 200}
_HANDLERS_BACK = {"secretary": 302, "viewer": 302, "admin": 302}
_HANDLERS_REFUSED = {"secretary": 403, "viewer": 403, "admin": 403}
_SEES_SUGGESTION_POST = {
    "anonymous": 302,
    "member": 302,
    "secretary": 302,
    "viewer": 302,
    "admin": 302,
    "*": 404,
}
_FORWARDED = {
    "anonymous": 302,
    "member": 200,
    "secretary": 200,
    "viewer": 200,
    "committee": 200,
    "admin": 200,
}

CASES: list = [
    # The asker sees their question but may not publish it: 403; nobody else sees it: 404.
    (
        "GET",
        "/forum/threads/{faq_question}/faq-copy",
        {"anonymous": 302, "member": 403, **_HANDLERS, "*": 404},
    ),
    # An empty form is shown again, nothing published.
    (
        "POST",
        "/forum/threads/{faq_question}/faq-copy",
        {"anonymous": 302, "member": 403, **_HANDLERS, "*": 404},
    ),
    # Already published: back to the question with the reason.
    (
        "GET",
        "/forum/threads/{faq_source}/faq-copy",
        {"anonymous": 302, "member": 403, **_HANDLERS_BACK, "*": 404},
    ),
    # The copy is public: every member reads it, none may publish it again.
    ("GET", "/forum/threads/{faq_copy}", {"anonymous": 302, "*": 200}),
    (
        "GET",
        "/forum/threads/{faq_copy}/faq-copy",
        {"anonymous": 302, **_HANDLERS_BACK, "*": 403},
    ),
    # Withdrawn after the asker objected: its handlers only, not even the asker.
    (
        "GET",
        "/forum/threads/{faq_withdrawn}",
        {"anonymous": 302, **_HANDLERS, "*": 404},
    ),
    # Only the asker objects (to a copy, or to nothing: told so); handlers may not.
    (
        "POST",
        "/forum/threads/{faq_source}/faq-objection",
        {"anonymous": 302, "member": 302, **_HANDLERS_REFUSED, "*": 404},
    ),
    (
        "POST",
        "/forum/threads/{faq_question}/faq-objection",
        {"anonymous": 302, "member": 302, **_HANDLERS_REFUSED, "*": 404},
    ),
    (
        "GET",
        "/forum/queue?waiting=1",
        {"anonymous": 302, "member": 403, "floating": 403, "*": 200},
    ),
    # Handing on (转办) and supervised deadlines (督办) on the member's suggestion to 一支部:
    # whoever sees it is sent back to it (an empty form is refused with a message); nobody
    # else learns it exists.
    ("POST", "/forum/threads/{thread}/forward", _SEES_SUGGESTION_POST),
    ("POST", "/forum/threads/{thread}/deadline", _SEES_SUGGESTION_POST),
    # The member's help request, handed on by an admin from 一支部 to 驻深圳支部: the work
    # committee handles it now, 一支部's staff still read it, nobody else sees it.
    ("GET", "/forum/threads/{forwarded}", {**_FORWARDED, "*": 404}),
    (
        "POST",
        "/forum/threads/{forwarded}/forward",
        {**{role: 302 for role in _FORWARDED}, "*": 404},
    ),
    (
        "POST",
        "/forum/threads/{forwarded}/deadline",
        {**{role: 302 for role in _FORWARDED}, "*": 404},
    ),
    *[
        (
            "GET",
            f"/forum/queue?{view}=1",
            {"anonymous": 302, "member": 403, "floating": 403, "*": 200},
        )
        for view in ("forwarded", "supervised", "unanswered")
    ],
]


def _answered(member: User, secretary: User, title: str):
    question = services.create_thread(member, services.NewThread("qa", title, "我想请教。"))
    services.reply(secretary, question, "这样办理。")
    return question


def objects(world, tmp_path) -> dict:
    """The three questions and the two copies described above."""
    member = db.session.get(User, world.member)
    secretary = db.session.get(User, world.secretary)
    question = _answered(member, secretary, "党费怎么交")
    source = _answered(member, secretary, "组织关系怎么转")
    draft = services.FaqDraft("组织关系怎么转", "外出务工怎么转组织关系？", "到新党组织报到。")
    copy = services.publish_faq_copy(secretary, source, draft)
    objected = _answered(member, secretary, "学时怎么补")
    withdrawn = services.publish_faq_copy(
        secretary, objected, services.FaqDraft("学时怎么补", "学时不够怎么办？", "参加集中培训。")
    )
    services.object_to_faq(member, objected, "")
    forwarded = services.create_thread(
        member, services.NewThread("help", "工资拖欠", "在深圳被拖欠工资。", help_category="wages")
    )
    admin = db.session.get(User, world.admin)
    forwarding.forward(admin, forwarded, find_org("驻深圳支部"), "由流入地协调")
    return {
        "forwarded": forwarded.id,
        "faq_question": question.id,
        "faq_source": source.id,
        "faq_copy": copy.id,
        "faq_withdrawn": withdrawn.id,
    }
