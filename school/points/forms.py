"""The rule editor's and the correction's fields."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from school.forms import LocalDateField, WholeNumberField, required_text
from school.points.models import MAX_POINTS
from school.points.services import REASON_MAX


class RuleForm(FlaskForm):
    points = WholeNumberField(
        "每次积分",
        validators=[
            InputRequired("请填写每次积分。"),
            NumberRange(min=0, max=MAX_POINTS, message=f"每次积分应在 0 到 {MAX_POINTS} 之间。"),
        ],
    )
    daily_cap = WholeNumberField(
        "每日上限（分，选填）",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_POINTS, message=f"每日上限应在 1 到 {MAX_POINTS} 之间。"),
        ],
    )
    yearly_cap = WholeNumberField(
        "每年上限（分，选填）",
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_POINTS * 100, message=f"每年上限应在 1 到 {MAX_POINTS * 100} 之间。"
            ),
        ],
    )
    effective_from = LocalDateField("生效日期", validators=[InputRequired("请填写生效日期。")])


class CorrectionForm(FlaskForm):
    points = WholeNumberField(
        "更正分数（扣分填负数）",
        validators=[
            InputRequired("请填写更正的分数。"),
            NumberRange(min=-MAX_POINTS, max=MAX_POINTS, message=f"分数应在 ±{MAX_POINTS} 以内。"),
        ],
    )
    reason = StringField("更正理由", validators=required_text("更正理由", REASON_MAX))
    # One key per form shown: the same form sent twice records one correction.
    key = HiddenField()
