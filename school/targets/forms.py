"""The target scheme editor's, the scoring and the self-report forms. Services check the rules."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from school.forms import LocalDateField, options, required_text
from school.targets.models import DIMENSIONS, MEASURES, SIDE_SHORT, SIDES
from school.targets.services import COMMENT_MAX, REPORT_MAX


class SchemeForm(FlaskForm):
    title = StringField("方案名称", validators=required_text("方案名称", 200))
    org = SelectField("制定方案的党组织", coerce=int)
    side = SelectField("适用党员", choices=options(SIDES.items()))
    year = IntegerField(
        "考核年度",
        validators=[InputRequired("请填写考核年度。"), NumberRange(2000, 2100, "年度不正确。")],
    )
    period_start = LocalDateField(
        "述职期开始", validators=[InputRequired("请填写述职期开始日期。")]
    )
    period_end = LocalDateField("述职期结束", validators=[InputRequired("请填写述职期结束日期。")])
    description = TextAreaField("说明（可不填）", validators=[Length(max=2000)])


class IndicatorForm(FlaskForm):
    dimension = SelectField("考核维度", choices=options(DIMENSIONS.items()))
    title = StringField("指标名称", validators=required_text("指标名称", 100))
    description = TextAreaField("考核标准", validators=[Length(max=500)])
    weight = IntegerField(
        "分值",
        validators=[InputRequired("请填写分值。"), NumberRange(1, 100, "分值应在 1 到 100 之间。")],
    )
    measure = SelectField("考核方式", choices=options(MEASURES.items()))
    threshold = IntegerField(
        "满分所需次数（线下学习、咨询建议）",
        validators=[Optional(), NumberRange(1, 1000, "满分所需次数应在 1 到 1000 之间。")],
    )
    scorer_side = SelectField(
        "人工评分由",
        choices=options([("", "—"), *((k, f"{v}党组织") for k, v in SIDE_SHORT.items())]),
        default="",
    )


class ScoreForm(FlaskForm):
    indicator = IntegerField(validators=[InputRequired()])
    points = IntegerField("得分", validators=[InputRequired("请填写得分。")])
    comment = TextAreaField("评语", validators=[Length(max=COMMENT_MAX)])


class SelfReportForm(FlaskForm):
    # "body": an expired token shows the text again with a fresh one (school/errors.py).
    body = TextAreaField(
        "自评述职",
        validators=required_text(
            "自评述职", REPORT_MAX, too_long=f"自评述职最多 {REPORT_MAX} 个字。"
        ),
    )
