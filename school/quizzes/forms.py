from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from school.forms import options
from school.quizzes.models import DEFAULT_REVIEW, QUIZ_KINDS, REVIEW_MODES
from school.quizzes.types import QUESTION_TYPES


class ImportForm(FlaskForm):
    file = FileField("题目文件", validators=[FileRequired("请选择要导入的文件。")])
    category = StringField("导入到分类", validators=[Length(max=200)], default="默认")
    fmt = SelectField(
        "文件格式",
        choices=options(
            [
                ("", "按扩展名自动判断"),
                ("gift", "GIFT（Moodle）"),
                ("aiken", "Aiken"),
                ("xlsx", "Excel 表格"),
            ]
        ),
        default="",
    )


class AnswerRow(Form):
    text = StringField("内容", validators=[Length(max=2000)])
    match = StringField("匹配项", validators=[Length(max=500)])
    percent = DecimalField("得分 %", places=4, validators=[Optional(), NumberRange(-100, 100)])
    tolerance = DecimalField("误差", places=4, validators=[Optional(), NumberRange(0)])
    feedback = StringField("反馈", validators=[Length(max=1000)])


class QuestionForm(FlaskForm):
    qtype = SelectField("题型", choices=options((k, t.label) for k, t in QUESTION_TYPES.items()))
    category = StringField("分类", validators=[DataRequired("请填写分类。"), Length(max=200)])
    name = StringField("题目名称（可选）", validators=[Length(max=255)])
    text = TextAreaField(
        "题干（Markdown）", validators=[DataRequired("题干不能为空。"), Length(max=20000)]
    )
    truefalse = SelectField("判断题答案", choices=options([("true", "正确"), ("false", "错误")]))
    case_sensitive = BooleanField("填空题区分大小写")
    general_feedback = TextAreaField("解析", validators=[Length(max=5000)])
    default_mark = DecimalField(
        "分值", places=2, default=1, validators=[InputRequired("请填写分值。"), NumberRange(0, 100)]
    )
    tags = StringField("考点（用逗号分隔）", validators=[Length(max=500)])
    answers = FieldList(FormField(AnswerRow), min_entries=8, max_entries=8)


class PlacementField(SelectField):
    """The courses and units a quiz may go into: those the instructor may edit."""

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            # WTForms words it in English; a course one may not edit is not offered at all.
            raise ValidationError("只能放进您可以编辑的课程。") from None


class QuizForm(FlaskForm):
    title = StringField("测验名称", validators=[DataRequired("请填写测验名称。"), Length(max=200)])
    description = TextAreaField("说明（Markdown）", validators=[Length(max=5000)])
    placement = PlacementField("所属课程单元", choices=[], validate_choice=True)
    kind = SelectField("类型", choices=options(QUIZ_KINDS.items()))
    status = SelectField("状态", choices=options([("draft", "草稿"), ("published", "发布")]))
    required = BooleanField("必考（通过后课程才算完成）", default=True)
    time_limit_minutes = IntegerField(
        "限时（分钟，留空不限时）", validators=[Optional(), NumberRange(1, 600)]
    )
    attempts_allowed = IntegerField(
        "允许次数（0 为不限）", default=0, validators=[InputRequired(), NumberRange(0, 100)]
    )
    pass_percent = IntegerField(
        "及格分（百分制）", default=60, validators=[InputRequired(), NumberRange(0, 100)]
    )
    open_at = DateTimeLocalField("开放时间", validators=[Optional()])
    close_at = DateTimeLocalField("截止时间", validators=[Optional()])
    review = SelectField("答案公布", choices=options(REVIEW_MODES.items()), default=DEFAULT_REVIEW)
    one_per_page = BooleanField("每页一题（手机上更好用）", default=True)
    shuffle_options = BooleanField("打乱选项顺序", default=True)


class FixedSlotForm(FlaskForm):
    """Questions ticked in the picker (``question_ids`` repeated) or typed as numbers."""

    question_ids = StringField("题目编号", validators=[Length(max=2000)])
    mark = DecimalField(
        "每题分值（留空用题目默认分值）", places=2, validators=[Optional(), NumberRange(0, 100)]
    )


class RandomSlotForm(FlaskForm):
    category = SelectField("从分类", choices=[], coerce=int, default=0)
    include_subcategories = BooleanField("含子分类", default=True)
    tag = SelectField("考点", choices=[], coerce=int, default=0)
    draw_count = IntegerField(
        "随机抽取题数",
        default=5,
        validators=[
            InputRequired("请填写抽题数量。"),
            NumberRange(1, 200, "抽题数量为 1 到 200。"),
        ],
    )
    mark = DecimalField(
        "每题分值（留空用题目默认分值）", places=2, validators=[Optional(), NumberRange(0, 100)]
    )


class MarkForm(FlaskForm):
    mark = DecimalField(
        "每题分值", places=2, validators=[Optional(), NumberRange(0, 100, "分值为 0 到 100。")]
    )


class MoveForm(FlaskForm):
    step = SelectField("移动", choices=options([("-1", "上移"), ("1", "下移")]), coerce=int)


class OrderForm(FlaskForm):
    """The builder's script sends the whole new order after a drag: slot ids, comma separated."""

    order = StringField("顺序", validators=[DataRequired(), Length(max=5000)])


class GradeForm(FlaskForm):
    percent = DecimalField(
        "得分 %", places=1, validators=[InputRequired("请给出得分。"), NumberRange(0, 100)]
    )
    comment = TextAreaField("评语", validators=[Length(max=2000)])
