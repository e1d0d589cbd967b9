"""The appraisal's forms: a new round, the self-appraisal, a grade, and CSRF-only buttons."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.appraisal.models import GRADES, SIDES
from school.appraisal.services import COMMENT_MAX, DEFAULT_TURNOUT, SELF_MAX, TITLE_MAX
from school.ballots.forms import LocalDateTimeField
from school.forms import options, required_text

_GRADE_CHOICES = options((g, g) for g in GRADES)


class RoundForm(FlaskForm):
    org = StringField(
        "党组织（组织代码或全称）",
        validators=[DataRequired("请填写党组织。"), Length(max=255)],
    )
    side = SelectField("参评党员", choices=options(SIDES.items()), default="home")
    year = IntegerField(
        "评议年度",
        validators=[
            InputRequired("请填写评议年度。"),
            NumberRange(min=2000, max=2100, message="年度不正确。"),
        ],
    )
    title = StringField("评议名称", validators=required_text("评议名称", TITLE_MAX))
    opens_at = LocalDateTimeField("开始时间", validators=[InputRequired("请填写开始时间。")])
    closes_at = LocalDateTimeField("结束时间", validators=[InputRequired("请填写结束时间。")])
    min_turnout = IntegerField(
        "最低投票率（%）",
        default=DEFAULT_TURNOUT,
        validators=[
            InputRequired("请填写最低投票率。"),
            NumberRange(min=0, max=100, message="最低投票率须在 0 到 100 之间。"),
        ],
    )


class SelfForm(FlaskForm):
    grade = RadioField("自评等次", choices=_GRADE_CHOICES, validate_choice=False)
    body = TextAreaField("自我评议", validators=required_text("自我评议", SELF_MAX))


class GradeForm(FlaskForm):
    grade = SelectField("评定等次", choices=_GRADE_CHOICES, validate_choice=False)
    comment = TextAreaField(
        "评语",
        validators=[Optional(), Length(max=COMMENT_MAX, message=f"评语最多 {COMMENT_MAX} 个字。")],
    )


class ActionForm(FlaskForm):
    """A button that changes something (confirm, vote): the CSRF token only."""
