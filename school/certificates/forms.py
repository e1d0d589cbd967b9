from flask_wtf import FlaskForm
from wtforms import StringField

from school.certificates.services import REASON_MAX
from school.forms import required_text


class RevokeForm(FlaskForm):
    reason = StringField("撤销原因", validators=required_text("撤销原因", REASON_MAX))
