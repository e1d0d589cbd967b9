"""The campaign editor's fields. The services check the rules; these only read the input.

Items (courses and quizzes, each 必修 or 选修) come as one select per course and quiz
(``course-<id>``, ``quiz-<id>``), read by ``chosen_items``.
"""

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from school.campaigns.services import DESCRIPTION_MAX, TITLE_MAX
from school.forms import LocalDateField, required_text

ITEM_CHOICES = {"": "不选", "required": "必修", "optional": "选修"}


class CampaignForm(FlaskForm):
    title = StringField("活动名称", validators=required_text("活动名称", TITLE_MAX))
    org = StringField(
        "发起党组织（组织代码或全称）",
        validators=[DataRequired("请填写发起党组织。"), Length(max=255)],
    )
    description = TextAreaField(
        "活动说明",
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message="活动说明太长了。")],
    )
    start_on = LocalDateField("开始日期", validators=[InputRequired("请填写开始日期。")])
    deadline = LocalDateField("截止日期", validators=[InputRequired("请填写截止日期。")])
    hours_target = StringField("学时要求（可不填）", validators=[Length(max=10)])
    remind_days = StringField("提前几天提醒", default="14,7,1", validators=[Length(max=40)])
    certificate = BooleanField("完成后颁发结业证书")
    targets = TextAreaField(
        "参加的党组织（每行一个）",
        validators=[DataRequired("请至少填写一个参加的党组织。"), Length(max=5000)],
    )


def chosen_items(form: MultiDict) -> list[tuple[int | None, int | None, bool]]:
    """(course id, quiz id, required) for every course and quiz marked 必修 or 选修."""
    items = []
    for key, value in form.items(multi=True):
        kind, _, number = key.partition("-")
        if kind not in ("course", "quiz") or not number.isdigit() or not value:
            continue
        if value not in ("required", "optional"):
            continue
        required = value == "required"
        ident = int(number)
        items.append((ident, None, required) if kind == "course" else (None, ident, required))
    return items
