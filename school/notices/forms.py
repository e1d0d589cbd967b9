from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from school.notices.services import BODY_MAX, TITLE_MAX


class NoticeForm(FlaskForm):
    title = StringField(
        "标题",
        validators=[
            DataRequired("请填写标题。"),
            Length(max=TITLE_MAX, message=f"标题最多 {TITLE_MAX} 个字。"),
        ],
    )
    org = StringField(
        "发布党组织（组织代码或全称）",
        validators=[Length(max=255, message="组织代码或全称太长了。")],
    )
    body = TextAreaField(
        "正文",
        validators=[
            DataRequired("请填写正文。"),
            Length(max=BODY_MAX, message=f"正文最多 {BODY_MAX} 个字。"),
        ],
    )
