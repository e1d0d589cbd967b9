from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from school.auth.models import ROLES
from school.auth.services import REASON_MAX


class DisableForm(FlaskForm):
    reason = StringField(
        "停用原因",
        validators=[
            DataRequired("请填写停用原因。"),
            Length(max=REASON_MAX, message=f"停用原因不能超过 {REASON_MAX} 个字。"),
        ],
    )


class RoleForm(FlaskForm):
    role = SelectField("角色", choices=[SelectChoice(key, label) for key, label in ROLES.items()])
