from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.classes.models import ENROLMENT_MODES, KINDS, STATUSES
from school.classes.services import (
    DESCRIPTION_MAX,
    MAX_SESSION_HOURS,
    TEXT_MAX,
    TITLE_MAX,
)
from school.forms import options, required_text


class ClassForm(FlaskForm):
    title = StringField("培训班名称", validators=required_text("培训班名称", TITLE_MAX))
    kind = SelectField(
        "培训类型", choices=options(KINDS.items()), validators=[InputRequired("请选择培训类型。")]
    )
    org = StringField(
        "举办党组织（组织代码或全称）",
        validators=[Length(max=255, message="组织代码或全称太长了。")],
    )
    organiser = StringField(
        "组织者（登录名，留空为本人）",
        validators=[Length(max=64, message="登录名太长了。")],
    )
    place = StringField(
        "培训地点", validators=[Length(max=TEXT_MAX, message=f"地点最多 {TEXT_MAX} 个字。")]
    )
    online = BooleanField("线上举办")
    capacity = IntegerField(
        "人数上限（不限请留空）",
        validators=[Optional(), NumberRange(min=1, message="人数上限应为正整数；不限请留空。")],
    )
    target_text = StringField(
        "培训对象",
        validators=[Length(max=TEXT_MAX, message=f"培训对象最多 {TEXT_MAX} 个字。")],
    )
    target_org = StringField(
        "面向的党组织（组织代码或全称，留空表示不限）",
        validators=[Length(max=255, message="组织代码或全称太长了。")],
    )
    enrolment = RadioField(
        "报名方式",
        choices=options(ENROLMENT_MODES.items()),
        default="open",
        validators=[InputRequired("请选择报名方式。")],
    )
    status = RadioField(
        "报名状态",
        choices=options(STATUSES.items()),
        default="open",
        validators=[InputRequired("请选择报名状态。")],
    )
    certificate_share = IntegerField(
        "出勤达到多少（%）颁发培训证明（不颁发请留空）",
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message="出勤比例应在 1 到 100 之间；不颁发请留空。"),
        ],
    )
    description = TextAreaField(
        "培训说明",
        validators=[Length(max=DESCRIPTION_MAX, message=f"培训说明最多 {DESCRIPTION_MAX} 个字。")],
    )


class SessionForm(FlaskForm):
    title = StringField("本场内容", validators=required_text("本场内容", TITLE_MAX))
    day = DateField("日期", validators=[DataRequired("请填写日期（年-月-日）。")])
    start = TimeField("开始时间", validators=[DataRequired("请填写开始时间（时:分）。")])
    end = TimeField("结束时间", validators=[DataRequired("请填写结束时间（时:分）。")])
    hours = DecimalField(
        "学时（0–24，可保留一位小数）",
        places=1,
        validators=[
            InputRequired("请填写学时。"),
            NumberRange(min=0, max=MAX_SESSION_HOURS, message="学时应在 0 到 24 之间。"),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # WTForms' own messages for an unreadable date or time are in English.
        for name, message in (
            ("day", "请填写日期（年-月-日）。"),
            ("start", "请填写开始时间（时:分）。"),
            ("end", "请填写结束时间（时:分）。"),
        ):
            f = getattr(self, name)
            if f.data is None:
                f.errors = [message]
                ok = False
        if self.hours.errors and self.hours.data is None:
            self.hours.errors = ["请填写学时（数字，例如 4 或 3.5）。"]
        return ok


class CardCheckinForm(FlaskForm):
    code = StringField(
        "电子卡二维码内容（扫码得到的链接）",
        validators=required_text("电子卡二维码内容", 2000),
    )
