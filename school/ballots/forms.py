"""The recommendation editor's fields, and the empty forms that carry a CSRF token."""

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.ballots.models import KINDS
from school.ballots.services import DESCRIPTION_MAX, TITLE_MAX
from school.forms import options, required_text


class LocalDateTimeField(DateTimeLocalField):
    """A local date-time input whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("时间格式不正确，请按 2026-05-01 09:00 的格式填写。") from error


class RecommendationForm(FlaskForm):
    title = StringField("投票名称", validators=required_text("投票名称", TITLE_MAX))
    kind = SelectField("推荐类别", choices=options(KINDS.items()))
    org = StringField(
        "发起党组织（组织代码或全称）",
        validators=[DataRequired("请填写发起党组织。"), Length(max=255)],
    )
    description = TextAreaField(
        "说明",
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message="说明太长了。")],
    )
    candidates = TextAreaField(
        "候选人（每行一人）",
        validators=[DataRequired("请至少填写一名候选人。"), Length(max=60000)],
    )
    max_choices = IntegerField(
        "每人最多可选",
        default=1,
        validators=[
            InputRequired("请填写每人最多可选几人。"),
            NumberRange(min=1, max=100, message="每人可选 1 到 100 人。"),
        ],
    )
    targets = TextAreaField(
        "投票范围（每行一个党组织）",
        validators=[DataRequired("请至少填写一个党组织。"), Length(max=5000)],
    )
    opens_at = LocalDateTimeField("开始时间", validators=[InputRequired("请填写开始时间。")])
    closes_at = LocalDateTimeField("结束时间", validators=[InputRequired("请填写结束时间。")])


class ActionForm(FlaskForm):
    """A button that changes something (cancel, confirm): the CSRF token only."""
