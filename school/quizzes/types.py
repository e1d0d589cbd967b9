"""The question type registry: each type knows its data, its input, how to read and grade answers.

The database stores the key (``QuestionVersion.qtype``) and a JSON ``data`` dict whose shape the
type owns. Fractions are stored as decimal strings. Answers refer to options by their index in
``data``, never by the shuffled position shown, so a reshuffle cannot change a grade. A type also
reads its answers from the question editor's fields and tallies its answers for the statistics
report, so adding a question type means adding one class here.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from school.quizzes.formats.parsed import ParsedAnswer, ParsedQuestion

ONE, ZERO = Decimal(1), Decimal(0)


def _clamp(value: Decimal) -> Decimal:
    # Negative weights penalise wrong choices, but a question never scores below 0 or above 1.
    return max(ZERO, min(ONE, value))


def _dec(value) -> Decimal:
    return Decimal(str(value))


# --- statistics and the editor ------------------------------------------------------------------

UNANSWERED = "未作答"
TOP_ANSWERS = 10


@dataclass(frozen=True)
class OptionCount:
    """How often an option (or a typed answer) was given; ``correct`` when it earns marks."""

    text: str
    count: int
    percent: float
    correct: bool | None = None


def freeze(answer):
    """A hashable key for a decoded JSON answer (dicts and lists become sorted tuples)."""
    if isinstance(answer, dict):
        return tuple(sorted((k, freeze(v)) for k, v in answer.items()))
    if isinstance(answer, list):
        return tuple(freeze(v) for v in answer)
    return answer


def _percent(count: int, n: int) -> float:
    return 100 * count / n if n else 0.0


def _unanswered(rows: list[OptionCount], answers: Counter, n: int) -> list[OptionCount]:
    """The rows, and a last row for the responses without an answer when there were any."""
    unanswered = answers.get(None, 0)
    if unanswered:
        rows.append(OptionCount(UNANSWERED, unanswered, _percent(unanswered, n)))
    return rows


def _form_answers(
    fields: dict, *, match: bool = False, tolerance: bool = False
) -> list[ParsedAnswer]:
    """The editor's filled-in answer rows; ``match`` and ``tolerance`` only for types using them."""
    return [
        ParsedAnswer(
            text=(r["text"] or "").strip(),
            fraction=(r["percent"] if r["percent"] is not None else ZERO) / 100,
            feedback=(r["feedback"] or "").strip(),
            match=(r["match"] or "").strip() if match else None,
            tolerance=r["tolerance"] if tolerance else None,
        )
        for r in fields["answers"]
        if (r["text"] or "").strip() or (r["match"] or "").strip()
    ]


class QuestionType:
    key: str = ""
    label: str = ""
    # False for essays (an instructor grades them) and descriptions (nothing to answer).
    auto_graded = True
    answerable = True
    # Statistics count each distinct answer; free text (essays) would give a row per response.
    tallied = False

    def validate(self, pq: ParsedQuestion) -> list[str]:
        """Problems (in Chinese) that keep a parsed question out of the bank."""
        return []

    def to_data(self, pq: ParsedQuestion) -> dict:
        """The JSON stored in QuestionVersion.data."""
        return {}

    def to_parsed_answers(self, data: dict) -> list[ParsedAnswer]:
        """The answers of stored data, for export."""
        return []

    def layout(self, data: dict, shuffle: bool, rng: random.Random) -> dict:
        """How this attempt shows the question (option order), fixed when the attempt starts."""
        return {}

    def read_answer(self, data: dict, layout: dict, values: list[str]) -> dict | None:
        """Turn submitted form values into a stored answer; None when nothing was answered."""
        return None

    def grade(self, data: dict, answer: dict | None) -> Decimal | None:
        """The fraction of the mark earned, 0..1; None when a person must grade it."""
        return ZERO

    def feedback(self, data: dict, answer: dict | None) -> list[str]:
        """Per-answer feedback for the member's answer (shown only when review allows)."""
        return []

    def right_answer(self, data: dict) -> str:
        """The right answer in words, for review."""
        return ""

    def answer_text(self, data: dict, answer: dict | None) -> str:
        """The member's answer in words."""
        return answer.get("text", "") if answer else ""

    def option_text(self, text: str) -> str:
        """An answer of an imported question as the import preview shows it."""
        return text

    def from_form(self, fields: dict) -> list[ParsedAnswer]:
        """The answers in the question editor's fields (QuestionForm.data)."""
        return []

    def to_form(self, answers: list[ParsedAnswer]) -> list[dict]:
        """The question editor's answer rows for these answers."""
        return [
            {
                "text": a.text,
                "match": a.match or "",
                "percent": a.fraction * 100,
                "tolerance": a.tolerance,
                "feedback": a.feedback,
            }
            for a in answers
        ]

    def option_counts(self, data: dict, answers: Counter, n: int) -> list[OptionCount]:
        """Per option, how many of ``n`` responses chose it (``answers``: per freeze(), or None)."""
        return []

    def top_answers(self, data: dict, answers: Counter, n: int) -> list[OptionCount]:
        """The most frequent typed answers among ``n`` responses, counted like option_counts."""
        return []


# --- choices -----------------------------------------------------------------------------------


class _Options(QuestionType):
    tallied = True

    def to_data(self, pq):
        return {
            "options": [
                {"text": a.text, "fraction": str(a.fraction), "feedback": a.feedback}
                for a in pq.answers
            ]
        }

    def to_parsed_answers(self, data):
        return [
            ParsedAnswer(text=o["text"], fraction=_dec(o["fraction"]), feedback=o["feedback"])
            for o in data["options"]
        ]

    def layout(self, data, shuffle, rng):
        order = list(range(len(data["options"])))
        if shuffle:
            rng.shuffle(order)
        return {"order": order}

    def read_answer(self, data, layout, values):
        valid = set(range(len(data["options"])))
        chosen = sorted({int(v) for v in values if v.isdigit() and int(v) in valid})
        return {"choices": chosen} if chosen else None

    def grade(self, data, answer):
        if not answer:
            return ZERO
        return _clamp(sum((_dec(data["options"][i]["fraction"]) for i in answer["choices"]), ZERO))

    def feedback(self, data, answer):
        if not answer:
            return []
        return [f for i in answer["choices"] if (f := data["options"][i]["feedback"])]

    def right_answer(self, data):
        return "；".join(o["text"] for o in data["options"] if _dec(o["fraction"]) > 0)

    def answer_text(self, data, answer):
        return "；".join(data["options"][i]["text"] for i in answer["choices"]) if answer else ""

    def from_form(self, fields):
        return _form_answers(fields)

    def option_counts(self, data, answers, n):
        # A response may choose several options.
        counts: Counter = Counter()
        for key, count in answers.items():
            for index in dict(key).get("choices", ()) if key else ():
                counts[index] += count
        rows = [
            OptionCount(
                option["text"],
                counts[index],
                _percent(counts[index], n),
                float(option["fraction"]) > 0,
            )
            for index, option in enumerate(data["options"])
        ]
        return _unanswered(rows, answers, n)


class SingleChoice(_Options):
    key, label = "single", "单选题"

    def validate(self, pq):
        problems = []
        if len(pq.answers) < 2:
            problems.append("单选题至少需要两个选项")
        if not any(a.fraction == ONE for a in pq.answers):
            problems.append("单选题需要一个得满分的正确选项")
        return problems

    def read_answer(self, data, layout, values):
        return super().read_answer(data, layout, values[:1])


class MultipleChoice(_Options):
    key, label = "multiple", "多选题"

    def validate(self, pq):
        problems = []
        if len(pq.answers) < 2:
            problems.append("多选题至少需要两个选项")
        positive = sum((a.fraction for a in pq.answers if a.fraction > 0), ZERO)
        if abs(positive - ONE) > Decimal("0.0001"):
            problems.append(f"多选题正确选项的分值之和应为 100%，现为 {positive * 100:.1f}%")
        if any(a.fraction < -1 or a.fraction > 1 for a in pq.answers):
            problems.append("选项分值应在 -100% 到 100% 之间")
        return problems


TRUE_FALSE_LABELS = {"true": "正确", "false": "错误"}


class TrueFalse(QuestionType):
    key, label = "truefalse", "判断题"
    tallied = True

    def validate(self, pq):
        texts = sorted(a.text for a in pq.answers)
        if texts != ["false", "true"] or sum(a.fraction for a in pq.answers) != ONE:
            return ["判断题需要“正确”“错误”两个答案，其中一个得满分"]
        return []

    def to_data(self, pq):
        return {a.text: {"fraction": str(a.fraction), "feedback": a.feedback} for a in pq.answers}

    def to_parsed_answers(self, data):
        return [
            ParsedAnswer(text=k, fraction=_dec(data[k]["fraction"]), feedback=data[k]["feedback"])
            for k in ("true", "false")
        ]

    def read_answer(self, data, layout, values):
        value = values[0] if values else ""
        return {"choice": value} if value in ("true", "false") else None

    def grade(self, data, answer):
        return _clamp(_dec(data[answer["choice"]]["fraction"])) if answer else ZERO

    def feedback(self, data, answer):
        return (
            [data[answer["choice"]]["feedback"]]
            if answer and data[answer["choice"]]["feedback"]
            else []
        )

    def answer_text(self, data, answer):
        return TRUE_FALSE_LABELS[answer["choice"]] if answer else ""

    def right_answer(self, data):
        return TRUE_FALSE_LABELS["true" if _dec(data["true"]["fraction"]) == ONE else "false"]

    def option_text(self, text):
        # Files spell the answers true/false; instructors read 正确/错误 as members do.
        return TRUE_FALSE_LABELS.get(text, text)

    def from_form(self, fields):
        # The editor has one select for the right answer instead of answer rows.
        right = fields["truefalse"]
        return [ParsedAnswer(v, Decimal(1 if v == right else 0)) for v in ("true", "false")]

    def to_form(self, answers):
        return []

    def option_counts(self, data, answers, n):
        counts: Counter = Counter()
        for key, count in answers.items():
            if key:
                counts[dict(key).get("choice")] += count
        rows = [
            OptionCount(
                TRUE_FALSE_LABELS[choice],
                counts[choice],
                _percent(counts[choice], n),
                float(data[choice]["fraction"]) >= 1,
            )
            for choice in ("true", "false")
        ]
        return _unanswered(rows, answers, n)


# --- typed answers -----------------------------------------------------------------------------

# Chinese punctuation read as its ASCII twin, so "党章。" and "党章." are the same answer.
_PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
        "【": "[",
        "】": "]",
        "—": "-",
        "～": "~",
    }
)
_EDGE_PUNCTUATION = " .,;:!?\"'`()[]<>-~"


def normalise(text: str, case_sensitive: bool = False) -> str:
    """Full-width to half-width, Chinese punctuation to ASCII, spaces and edge punctuation off."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    text = re.sub(r"\s+", " ", text).strip(_EDGE_PUNCTUATION)
    return text if case_sensitive else text.casefold()


def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern:
    # Moodle's short answers treat * as "any text"; everything else matches literally.
    parts = [re.escape(normalise(p, case_sensitive)) for p in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.DOTALL)


class _TypedAnswer(QuestionType):
    """A typed answer graded by the best-scoring accepted answer it matches."""

    limit = 1000
    tallied = True

    def _match(self, data: dict, answer: dict | None) -> dict | None:
        raise NotImplementedError

    def from_form(self, fields):
        return _form_answers(fields)

    def top_answers(self, data, answers, n):
        # The same answer written differently (case, full-width, punctuation) is counted once,
        # shown as its most frequent spelling.
        case_sensitive = bool(data.get("case_sensitive", False))
        totals: Counter = Counter()
        spellings: dict[str, Counter] = defaultdict(Counter)
        for key, count in answers.items():
            if not key:
                continue
            text = dict(key).get("text", "")
            same = normalise(text, case_sensitive)
            totals[same] += count
            spellings[same][text] += count
        rows = []
        for same, count in totals.most_common(TOP_ANSWERS):
            shown = spellings[same].most_common(1)[0][0]
            fraction = self.grade(data, {"text": shown})
            rows.append(OptionCount(shown, count, _percent(count, n), bool(fraction)))
        return rows

    def read_answer(self, data, layout, values):
        value = (values[0] if values else "").strip()[: self.limit]
        return {"text": value} if value else None

    def grade(self, data, answer):
        match = self._match(data, answer)
        return _clamp(_dec(match["fraction"])) if match else ZERO

    def feedback(self, data, answer):
        match = self._match(data, answer)
        return [match["feedback"]] if match and match["feedback"] else []


class FillIn(_TypedAnswer):
    key, label = "fillin", "填空题"

    def validate(self, pq):
        if not any(a.fraction == ONE for a in pq.answers):
            return ["填空题需要至少一个得满分的标准答案"]
        return []

    def to_data(self, pq):
        return {
            "case_sensitive": pq.case_sensitive,
            "answers": [
                {"text": a.text, "fraction": str(a.fraction), "feedback": a.feedback}
                for a in pq.answers
            ],
        }

    def to_parsed_answers(self, data):
        return _Options.to_parsed_answers(self, {"options": data["answers"]})

    def _match(self, data, answer):
        if not answer:
            return None
        given = normalise(answer["text"], data["case_sensitive"])
        ranked = sorted(data["answers"], key=lambda a: _dec(a["fraction"]), reverse=True)
        return next(
            (a for a in ranked if _wildcard(a["text"], data["case_sensitive"]).match(given)), None
        )

    def right_answer(self, data):
        return " 或 ".join(a["text"] for a in data["answers"] if _dec(a["fraction"]) == ONE)


def _number(text: str) -> Decimal | None:
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class Numerical(_TypedAnswer):
    key, label = "numerical", "数值题"
    limit = 100

    def validate(self, pq):
        problems = []
        for a in pq.answers:
            if a.text != "*" and _number(a.text) is None:
                problems.append(f"数值题的答案不是数字：{a.text}")
        if not any(a.fraction == ONE for a in pq.answers):
            problems.append("数值题需要至少一个得满分的答案")
        return problems

    def from_form(self, fields):
        return _form_answers(fields, tolerance=True)

    def to_data(self, pq):
        return {
            "answers": [
                {
                    "value": a.text,
                    "tolerance": str(a.tolerance or 0),
                    "fraction": str(a.fraction),
                    "feedback": a.feedback,
                }
                for a in pq.answers
            ]
        }

    def to_parsed_answers(self, data):
        return [
            ParsedAnswer(
                text=a["value"],
                fraction=_dec(a["fraction"]),
                feedback=a["feedback"],
                tolerance=_dec(a["tolerance"]),
            )
            for a in data["answers"]
        ]

    def _match(self, data, answer):
        if not answer:
            return None
        given = _number(answer["text"])
        for a in sorted(data["answers"], key=lambda a: _dec(a["fraction"]), reverse=True):
            if a["value"] == "*":
                return a
            if given is not None and abs(given - _dec(a["value"])) <= _dec(a["tolerance"]):
                return a
        return None

    def right_answer(self, data):
        best = [a for a in data["answers"] if _dec(a["fraction"]) == ONE and a["value"] != "*"]
        return " 或 ".join(
            a["value"] + (f" ± {a['tolerance']}" if _dec(a["tolerance"]) else "") for a in best
        )


class Matching(QuestionType):
    key, label = "matching", "匹配题"
    tallied = True

    def validate(self, pq):
        real = [a for a in pq.answers if a.text.strip()]
        if len(real) < 2 or any(not (a.match or "").strip() for a in pq.answers):
            return ["匹配题至少需要两对完整的匹配项"]
        return []

    def to_data(self, pq):
        return {"pairs": [{"left": a.text, "right": a.match or ""} for a in pq.answers]}

    def to_parsed_answers(self, data):
        return [ParsedAnswer(text=p["left"], fraction=ONE, match=p["right"]) for p in data["pairs"]]

    def _lefts(self, data) -> list[int]:
        return [i for i, p in enumerate(data["pairs"]) if p["left"].strip()]

    def layout(self, data, shuffle, rng):
        rights = sorted({p["right"] for p in data["pairs"]})
        rng.shuffle(rights)
        lefts = self._lefts(data)
        if shuffle:
            rng.shuffle(lefts)
        return {"lefts": lefts, "rights": rights}

    def read_answer(self, data, layout, values):
        # values: "left_index:right_position" pairs from the form's selects.
        chosen = {}
        for value in values:
            left, _, right = value.partition(":")
            if (
                left.isdigit()
                and right.isdigit()
                and int(right) < len(layout["rights"])
                and int(left) in self._lefts(data)
            ):
                chosen[left] = layout["rights"][int(right)]
        return {"pairs": chosen} if chosen else None

    def grade(self, data, answer):
        lefts = self._lefts(data)
        if not answer or not lefts:
            return ZERO
        right = sum(1 for i in lefts if answer["pairs"].get(str(i)) == data["pairs"][i]["right"])
        return (Decimal(right) / len(lefts)).quantize(Decimal("0.0000001"))

    def right_answer(self, data):
        return "；".join(f"{p['left']} → {p['right']}" for p in data["pairs"] if p["left"].strip())

    def answer_text(self, data, answer):
        if not answer:
            return ""
        return "；".join(
            f"{data['pairs'][int(i)]['left']} → {right}" for i, right in answer["pairs"].items()
        )

    def from_form(self, fields):
        return _form_answers(fields, match=True)

    def option_counts(self, data, answers, n):
        # One row per left item and right it was matched with; a left item left unmatched
        # counts as unanswered for that item (so there is no row for unanswered responses).
        pairs = data["pairs"]
        rights = list(dict.fromkeys(p["right"] for p in pairs))
        counts: Counter = Counter()
        for key, count in answers.items():
            chosen = dict(dict(key).get("pairs", ())) if key else {}
            for i, p in enumerate(pairs):
                if p["left"].strip():
                    counts[i, chosen.get(str(i))] += count
        rows = []
        for i, p in enumerate(pairs):
            if not p["left"].strip():
                continue
            for right in [*rights, None]:
                count = counts[i, right]
                if right is None and not count:
                    continue
                rows.append(
                    OptionCount(
                        f"{p['left']} → {right if right is not None else UNANSWERED}",
                        count,
                        _percent(count, n),
                        None if right is None else right == p["right"],
                    )
                )
        return rows


class Essay(QuestionType):
    key, label = "essay", "简答题"
    auto_graded = False

    def read_answer(self, data, layout, values):
        value = (values[0] if values else "").strip()[:20000]
        return {"text": value} if value else None

    def grade(self, data, answer):
        return None if answer else ZERO


class Description(QuestionType):
    key, label = "description", "说明"
    answerable = False

    def grade(self, data, answer):
        return ZERO


QUESTION_TYPES: dict[str, QuestionType] = {
    t.key: t
    for t in (
        SingleChoice(),
        MultipleChoice(),
        TrueFalse(),
        FillIn(),
        Numerical(),
        Matching(),
        Essay(),
        Description(),
    )
}
