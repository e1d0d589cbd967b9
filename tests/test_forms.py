"""The shared form helpers: choice lists, and a required text's two messages."""

from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from school.forms import options, required_text


def test_options_are_choices_in_the_given_order():
    assert options({"a": "甲", "b": "乙"}.items()) == [
        SelectChoice("a", "甲"),
        SelectChoice("b", "乙"),
    ]
    assert options([]) == []


def test_a_required_text_asks_for_it_and_names_its_limit():
    filled, limited = required_text("标题", 120)
    assert isinstance(filled, DataRequired) and filled.message == "请填写标题。"
    assert isinstance(limited, Length) and limited.max == 120
    assert limited.message == "标题最多 120 个字。"


def test_a_required_text_may_word_its_messages_itself():
    filled, limited = required_text("内容", 50, missing="请填写回复内容。", too_long="太长了。")
    assert (filled.message, limited.message) == ("请填写回复内容。", "太长了。")
