from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import DateField, DecimalField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from school.cards.services import MAX_HOURS, NOTE_MAX, RECORD_KINDS
from school.forms import options, required_text
from school.uploads import UploadField

PHOTO_LIMIT = "CARD_PHOTO_MAX_MB"


class PhotoForm(FlaskForm):
    photo = UploadField(
        "照片（JPG/PNG/WebP，{limit} 以内）",
        PHOTO_LIMIT,
        validators=[FileRequired("请选择要上传的照片。")],
    )


class RecordForm(FlaskForm):
    kind = RadioField(
        "记录类别",
        choices=options(RECORD_KINDS.items()),
        default="management",
        validators=[InputRequired("请选择记录类别。")],
    )
    occurred_on = DateField("日期", validators=[DataRequired("请填写日期（年-月-日）。")])
    text = TextAreaField("内容", validators=required_text("内容", NOTE_MAX))
    hours = DecimalField(
        "学时（教育记录填写，0–24，可保留一位小数）",
        places=1,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_HOURS, message="学时应在 0 到 24 之间。"),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.occurred_on.data is None:
            # WTForms' own message for an unreadable date is in English.
            self.occurred_on.errors = ["请填写日期（年-月-日）。"]
            ok = False
        if self.kind.data == "education" and self.hours.data is None and not self.hours.errors:
            self.hours.errors = [*self.hours.errors, "教育记录请填写学时。"]
            ok = False
        return ok
