from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from school.courses.models import LESSON_KINDS
from school.forms import options, required_text

# A lesson's body: long enough for a chapter converted from Word, short enough to render fast.
BODY_MAX = 200_000


class NewCourseForm(FlaskForm):
    title = StringField("课程名称", validators=required_text("课程名称", 200))
    theme = SelectField("专题", coerce=int)
    org = SelectField("发布组织（由其审核员审核）", coerce=int)
    slug = StringField(
        "网址名（可选）", validators=[Optional(), Length(max=63, message="网址名最多 63 个字符。")]
    )
    summary = StringField("一句话简介", validators=[Length(max=300, message="简介最多 300 个字。")])


class CourseForm(FlaskForm):
    base = HiddenField()
    title = StringField("课程名称", validators=required_text("课程名称", 200))
    theme = SelectField("专题", coerce=int)
    summary = StringField("一句话简介", validators=[Length(max=300, message="简介最多 300 个字。")])
    deadline = DateField(
        "集中学习截止日期（可选）",
        validators=[Optional()],
        render_kw={"placeholder": "2026-12-31"},
    )
    certificate = BooleanField("学完颁发结业证书")
    body_md = TextAreaField(
        "课程介绍（Markdown）",
        validators=[Length(max=BODY_MAX, message=f"课程介绍最多 {BODY_MAX:,} 个字。")],
    )


class LessonForm(FlaskForm):
    base = HiddenField()
    title = StringField("课时标题", validators=required_text("课时标题", 200))
    kind = SelectField("类型", choices=options(LESSON_KINDS.items()))
    module = SelectField("所在单元", coerce=int)
    hours = DecimalField(
        "学时",
        places=1,
        validators=[
            InputRequired("请填写学时。"),
            NumberRange(0, 40, message="学时应在 0 到 40 之间。"),
        ],
    )
    required = BooleanField("必修（计入课程完成）")
    min_minutes = IntegerField(
        "最短学习时间（分钟，可选）",
        validators=[
            Optional(),
            NumberRange(0, 600, message="最短学习时间应在 0 到 600 分钟之间。"),
        ],
    )
    media = SelectField("视频或 PDF 文件", default="")
    body_md = TextAreaField(
        "正文（Markdown）",
        validators=[Length(max=BODY_MAX, message=f"正文最多 {BODY_MAX:,} 个字。")],
    )
    note = StringField("修改说明（可选）", validators=[Length(max=200)])


class NewLessonForm(FlaskForm):
    title = StringField("课时标题", validators=required_text("课时标题", 200))
    kind = SelectField("类型", choices=options(LESSON_KINDS.items()))
    module = SelectField("所在单元", coerce=int)
    hours = DecimalField(
        "学时",
        places=1,
        default=1,
        validators=[
            InputRequired("请填写学时。"),
            NumberRange(0, 40, message="学时应在 0 到 40 之间。"),
        ],
    )


class ModuleForm(FlaskForm):
    title = StringField("单元名称", validators=required_text("单元名称", 200))


class InstructorForm(FlaskForm):
    username = StringField("教员的登录名", validators=required_text("登录名", 64))


class SubmitForm(FlaskForm):
    note = TextAreaField("给审核员的说明（可选）", validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    comment = TextAreaField("审核意见", validators=[Length(max=2000)])


class ReviewerForm(FlaskForm):
    username = StringField("登录名", validators=required_text("登录名", 64))
    org = SelectField("审核范围（该组织及下级）", coerce=int)
