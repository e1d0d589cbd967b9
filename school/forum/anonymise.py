"""What in the text of a FAQ copy could still identify the asker.

Staff remove names, numbers and places by hand; this finds what a machine can: the asker's own
name and numbers, numbers shaped like an ID card or a phone, and a link back to the private
question. The asker's own details and ID numbers block publication; other phone numbers are
only pointed out, since an answer may rightly give an office's hotline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from school.auth.models import User

FINDINGS = {
    "name": "提问人姓名",
    "own_number": "提问人的电话或证件号",
    "id_number": "身份证号",
    "phone": "电话号码",
    "link": "指向原提问的链接",
}
BLOCKING = {"name", "own_number", "id_number", "link"}

# A mainland resident ID: area code, date of birth, sequence and check digit.
_ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9])"
)
# Mobile numbers (138 1234 5678, 138-1234-5678) and landlines with their area code (0571-8888888).
_PHONE = re.compile(r"(?<![0-9])(?:1[3-9]\d(?:[ -]?\d{4}){2}|0\d{2,3}-\d{7,8})(?![0-9])")


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of FINDINGS
    text: str

    @property
    def label(self) -> str:
        return FINDINGS[self.kind]

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def findings(text: str, asker: User, question_id: int) -> list[Finding]:
    """What in ``text`` looks identifying, each once, in the order of the kinds above."""
    # Full-width digits and letters count as the ones they look like.
    text = unicodedata.normalize("NFKC", text)
    squeezed = re.sub(r"\s+", "", text)
    found: list[Finding] = []
    name = asker.name.strip()
    if len(name) >= 2 and name in squeezed:
        found.append(Finding("name", name))
    # Numbers as written, with spaces or dashes between their digits.
    runs = [_digits(run) for run in re.findall(r"\d[\d -]*\d", text)]
    own = [n.strip() for n in (asker.phone, asker.membership_no, asker.certificate_no) if n]
    for number in own:
        digits = _digits(number)
        if number in squeezed or (len(digits) >= 6 and any(digits in run for run in runs)):
            found.append(Finding("own_number", number))
    found += [Finding("id_number", m) for m in dict.fromkeys(_ID_NUMBER.findall(text))]
    own_digits = {_digits(n) for n in own}
    phones = dict.fromkeys(_PHONE.findall(text))
    found += [Finding("phone", m) for m in phones if _digits(m) not in own_digits]
    link = re.search(rf"/forum/threads/{question_id}(?![0-9])", text)
    if link is not None:
        found.append(Finding("link", link.group()))
    return found
