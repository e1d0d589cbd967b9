"""One phone rule: what the roster imports is what the profile form saves, and both refuse alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.members import roster, roster_sheet
from school.members.phones import PhoneError, normalise_phone
from tests.conftest import login, post
from tests.members.test_roster import xlsx

TODAY = date(2025, 6, 1)
MESSAGE = "电话号码格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0571-12345678）。"

# As staff type them (the form) or as a branch's sheet has them (the import) -> stored.
ACCEPTED = [
    ("13800138000", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),  # typed with a Chinese input method
    ("0571-12345678", "0571-12345678"),
    ("057112345678", "0571-12345678"),
    ("(0571)12345678", "0571-12345678"),
    ("（0571）1234567", "0571-1234567"),
    ("0571－12345678", "0571-12345678"),
    ("010-12345678", "010-12345678"),
    ("01012345678", "010-12345678"),
    ("021 6123 4567", "021-61234567"),
    ("010-12345678-123", "010-12345678-123"),
    ("010-12345678转123", "010-12345678-123"),
]
REFUSED = [
    "12345",
    "23812345678",  # no mobile number starts with 2
    "12812345678",  # nor with 12
    "1380013800",  # 10 digits
    "138001380001",  # 12 digits
    "571-12345678",  # the area code's 0 is missing
    "0123-4567890",  # 01x is no area code but 010
    "0571-123456",  # too short for a local number
    "0571-123456789",  # too long for one
    "0571-12345678-1234567",  # an extension has at most 6 digits
    "13800138000 / 13900139000",  # two numbers in one field
    "电话13800138000",
    "+1 415 555 0100",
]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_accepted_numbers_are_stored_in_one_form(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "  ", "\u3000", None])
def test_an_empty_number_is_none(typed):
    assert normalise_phone(typed) is None


@pytest.mark.parametrize("typed", REFUSED)
def test_refused_numbers_say_what_is_expected(typed):
    with pytest.raises(PhoneError) as refused:
        normalise_phone(typed)
    assert str(refused.value) == MESSAGE


def _importer() -> User:
    return db.session.scalar(select(User).where(User.username == "secretary"))


def _import(app, phones: list[str]) -> roster.Plan:
    """Import one new member of 一支部 per phone number (as text cells), P-0, P-1 …"""
    rows = [[f"P-{i}", f"党员{i}", None, phone, None, "一支部"] for i, phone in enumerate(phones)]
    with app.app_context():
        plan = roster.plan_import(_importer(), roster_sheet.read_file("r.xlsx", xlsx(rows)), TODAY)
        if not plan.problems:
            roster.apply_import(_importer(), plan, TODAY)
            db.session.commit()
        return plan


def _save_profile(client, member_id: int, phone: str):
    form = {"name": "张党员", "gender": "", "phone": phone, "joined_party_on": ""}
    form |= {"membership_no": "", "certificate_no": "", "current_city": ""}
    form |= {"flowed_out_on": "", "flow_reason": ""}
    return post(client, f"/manage/members/{member_id}/edit", form)


def _phone(app, member_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, member_id).phone


def test_the_number_that_imports_is_the_number_the_profile_form_saves(app, client, world):
    typed = [number for number, _ in ACCEPTED]
    assert _import(app, typed).problems == []
    login(client, "secretary")
    for index, number in enumerate(typed):
        with app.app_context():
            imported = db.session.scalar(select(User).where(User.membership_no == f"P-{index}"))
            imported_id, imported_phone = imported.id, imported.phone
        assert imported_phone == ACCEPTED[index][1], number
        # The profile of a member as imported saves unchanged: no number staff cannot keep.
        assert _save_profile(client, imported_id, imported_phone).status_code == 302, number
        assert _phone(app, imported_id) == imported_phone
        # The same number typed on the form is stored as the import stored it.
        assert _save_profile(client, world.member, number).status_code == 302, number
        assert _phone(app, world.member) == imported_phone, number


def test_the_import_and_the_profile_form_refuse_the_same_numbers_alike(app, client, world):
    plan = _import(app, REFUSED)
    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (row, "手机号", MESSAGE) for row in range(2, len(REFUSED) + 2)
    ]
    login(client, "secretary")
    before = _phone(app, world.member)
    for number in REFUSED:
        response = _save_profile(client, world.member, number)
        assert response.status_code == 200, number
        assert MESSAGE in response.get_data(as_text=True), number
        assert _phone(app, world.member) == before
