"""Building blocks every feature's forms use: choice lists, the checks of a required text, and
date and number fields whose parse errors are in Chinese."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import DateField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """SelectField and RadioField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def required_text(
    noun: str, max_chars: int, *, missing: str | None = None, too_long: str | None = None
) -> list[DataRequired | Length]:
    """Validators of a text that must be filled in: "请填写标题。", "标题最多 120 个字。"."""
    return [
        DataRequired(missing or f"请填写{noun}。"),
        Length(max=max_chars, message=too_long or f"{noun}最多 {max_chars} 个字。"),
    ]


class LocalDateField(DateField):
    """A date input whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("日期格式不正确，请按 2026-05-01 的格式填写。") from error


class WholeNumberField(IntegerField):
    """A whole number whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("请填写整数。") from error
