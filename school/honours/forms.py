"""Forms of commendation: a round, a nomination, a review, an objection and its handling."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.forms import LocalDateField, WholeNumberField, options, required_text
from school.honours.services import COMMENT_MAX, IMAGE_LIMIT, TEXT_MAX, TITLE_MAX
from school.uploads import UploadField


class RoundForm(FlaskForm):
    org = SelectField(
        "评选范围（党组织及其下级）",
        coerce=int,
        invalid_value_message="请选择您管理的党组织。",
        invalid_choice_message="请选择您管理的党组织。",
    )
    year = WholeNumberField("年度", validators=[NumberRange(2000, 2100, "请填写正确的年度。")])
    title = StringField("荣誉名称", validators=required_text("荣誉名称", TITLE_MAX))
    quota = WholeNumberField("表彰名额", validators=[NumberRange(1, 10000, "名额至少 1 人。")])
    nomination_deadline = LocalDateField(
        "推荐截止日期", validators=[DataRequired("请填写截止日期。")]
    )
    notice_days = WholeNumberField(
        "公示天数", default=5, validators=[NumberRange(1, 30, "公示 1 到 30 天。")]
    )
    cosigners = WholeNumberField(
        "党员联名推荐需要的联名人数",
        default=3,
        validators=[InputRequired("请填写联名人数。"), NumberRange(0, 50, "联名人数 0 到 50 人。")],
    )


class NominationForm(FlaskForm):
    member = StringField(
        "被推荐党员（用户名、党员编号或姓名）",
        validators=[DataRequired("请填写被推荐党员。"), Length(max=100)],
    )
    reasons = TextAreaField("推荐理由", validators=required_text("推荐理由", TEXT_MAX))
    evidence = TextAreaField(
        "主要事迹（可选）", validators=[Optional(), Length(max=TEXT_MAX, message="事迹材料过长。")]
    )


class PeerForm(FlaskForm):
    member = SelectField(
        "推荐本支部的党员",
        coerce=int,
        invalid_value_message="请选择本支部的党员。",
        invalid_choice_message="请选择本支部的党员。",
    )
    reasons = TextAreaField("推荐理由", validators=required_text("推荐理由", TEXT_MAX))
    evidence = TextAreaField(
        "主要事迹（可选）", validators=[Optional(), Length(max=TEXT_MAX, message="事迹材料过长。")]
    )


class ReviseForm(FlaskForm):
    reasons = TextAreaField("推荐理由", validators=required_text("推荐理由", TEXT_MAX))
    evidence = TextAreaField(
        "主要事迹（可选）", validators=[Optional(), Length(max=TEXT_MAX, message="事迹材料过长。")]
    )


class ReviewForm(FlaskForm):
    decision = RadioField(
        "审核意见",
        choices=options([("approve", "同意"), ("return", "退回")]),
        validators=[DataRequired("请选择同意或退回。")],
    )
    comment = TextAreaField(
        "意见（退回时必填）", validators=[Length(max=COMMENT_MAX, message="意见过长。")]
    )


class ObjectionForm(FlaskForm):
    nomination = SelectField(
        "对哪位公示对象",
        coerce=int,
        invalid_value_message="请选择公示名单中的党员。",
        invalid_choice_message="请选择公示名单中的党员。",
    )
    body = TextAreaField("异议内容", validators=required_text("异议内容", TEXT_MAX))
    image = UploadField("附图（可选，JPG/PNG/GIF/WebP，{limit} 以内）", IMAGE_LIMIT)


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销理由", validators=required_text("撤销理由", COMMENT_MAX))


class ResolveForm(FlaskForm):
    decision = RadioField(
        "处理结果",
        choices=options(
            [("dismissed", "异议不成立（答复提出人）"), ("upheld", "异议成立（撤销推荐）")]
        ),
        validators=[DataRequired("请选择处理结果。")],
    )
    text = TextAreaField("处理意见", validators=required_text("处理意见", COMMENT_MAX))
