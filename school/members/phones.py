"""Members' phone numbers: the one rule that the registry form and the roster import both apply.

Accepted, in the ways staff write them:

* a mainland mobile number, 11 digits starting 13–19: ``13800138000``, ``138 0013 8000``,
  ``138-0013-8000``, ``+86 138 0013 8000``;
* a landline with its area code (010, 02x, or 0 and three digits for the other cities), with or
  without a hyphen or brackets, and an optional extension: ``0571-12345678``, ``057112345678``,
  ``(0571)12345678``, ``010-12345678-123``, ``010-12345678转123``.

Full-width digits and spaces (a sheet typed with a Chinese input method) are read as ASCII.
Every number is stored in one form, so that the same number imported twice, or imported and
then saved on the profile, is the same text: a mobile as its 11 digits, a landline as
``area-number`` or ``area-number-extension`` (0571-12345678). The area code decides where the
number starts: 010 and 02x have three digits, every other area code four.
"""

from __future__ import annotations

import re
import unicodedata

_AREA = r"010|02\d|0[3-9]\d{2}"
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_LANDLINE = re.compile(
    rf"(?:\((?P<bracketed>{_AREA})\)|(?P<area>{_AREA}))-?(?P<number>\d{{7,8}})"
    r"(?:[-转](?P<extension>\d{1,6}))?"
)


class PhoneError(ValueError):
    """Text that is not a phone number by the rule; str(exc) says so in Chinese."""

    def __init__(self) -> None:
        # The same words whichever side refused it: the profile form or a row of the import.
        super().__init__(
            "电话号码格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0571-12345678）。"
        )


def normalise_phone(text: str | None) -> str | None:
    """A phone number in its one stored form; None when empty; PhoneError when not a number."""
    compact = "".join(unicodedata.normalize("NFKC", text or "").split())
    if not compact:
        return None
    mobile = _MOBILE.fullmatch(compact.replace("-", ""))
    if mobile:
        return mobile[1]
    landline = _LANDLINE.fullmatch(compact)
    if landline is None:
        raise PhoneError
    area = landline["bracketed"] or landline["area"]
    extension = f"-{landline['extension']}" if landline["extension"] else ""
    return f"{area}-{landline['number']}{extension}"
