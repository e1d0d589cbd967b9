from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from school.auth.models import ROLES
from school.auth.services import REASON_MAX
from school.forms import options, required_text


class DisableForm(FlaskForm):
    reason = StringField(
        "停用原因",
        validators=required_text(
            "停用原因", REASON_MAX, too_long=f"停用原因不能超过 {REASON_MAX} 个字。"
        ),
    )


class RoleForm(FlaskForm):
    role = SelectField("角色", choices=options(ROLES.items()))
