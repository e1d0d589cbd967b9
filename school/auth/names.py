"""How names sort: by pinyin (王 before 张), as Chinese lists are read, not by code point.

Neither SQLite nor PostgreSQL (outside an ICU ``zh`` collation, which a plain install lacks)
can sort Chinese by pinyin, so each account keeps ``users.name_key``: the name spelled in
pinyin, tone numbers included, kept in step with the name on every write. Lists sort by it in
SQL, so a paginated list of 5,000 members reads one page, never every name.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's common one (曾 is zēng as a surname,
# not céng): the first character of a name is read as a surname.
SURNAMES = {
    "曾": "zeng1",
    "单": "shan4",
    "解": "xie4",
    "仇": "qiu2",
    "区": "ou1",
    "查": "zha1",
    "朴": "piao2",
    "盖": "ge3",
    "缪": "miao4",
    "乐": "yue4",
    "尉": "yu4",
    "覃": "qin2",
    "召": "shao4",
    "种": "chong2",
    "翟": "zhai2",
    "秘": "bi4",
    "万": "wan4",
    "重": "chong2",
    "长": "chang2",
    "繁": "po2",
    "相": "xiang4",
    "隗": "wei3",
    "员": "yun4",
    "祭": "zhai4",
    "黑": "he4",
    "卜": "bu3",
    "薄": "bo2",
    "石": "shi2",
    "燕": "yan1",
}
# Only letters and digits: every syllable ends in its tone digit (1-5), so "li3" sorts before
# "lin2" without a separator, and the order is the same under PostgreSQL's C and en_US
# collations (which ignore spaces and punctuation differently) and SQLite's.
_KEEP = re.compile(r"[^0-9a-z]")
MAX_LENGTH = 200


def name_key(name: str | None) -> str:
    """The sort key of a name: its pinyin with tone numbers, lower case, letters and digits."""
    text = (name or "").strip()
    if not text:
        return ""
    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    if text[0] in SURNAMES and syllables:
        syllables[0] = SURNAMES[text[0]]
    return _KEEP.sub("", "".join(syllables).lower())[:MAX_LENGTH]
