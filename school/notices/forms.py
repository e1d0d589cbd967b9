from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from school.forms import required_text
from school.notices.services import BODY_MAX, TITLE_MAX


class NoticeForm(FlaskForm):
    title = StringField("标题", validators=required_text("标题", TITLE_MAX))
    org = StringField(
        "发布党组织（组织代码或全称）",
        validators=[Length(max=255, message="组织代码或全称太长了。")],
    )
    body = TextAreaField("正文", validators=required_text("正文", BODY_MAX))
