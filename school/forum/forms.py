from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from school.forms import options, required_text
from school.forum.models import HELP_CATEGORIES
from school.forum.services import BODY_MAX, SIDES, TITLE_MAX
from school.uploads import UploadField

IMAGE_LIMIT = "FORUM_IMAGE_MAX_MB"


class ThreadForm(FlaskForm):
    title = StringField("标题", validators=required_text("标题", TITLE_MAX))
    body = TextAreaField("内容", validators=required_text("内容", BODY_MAX))
    anonymous = BooleanField("对其他党员匿名（经办党组织仍可看到您的姓名）")
    public = BooleanField("公开这个问题（其他党员也能看到问答）")
    # The page names each side's organisation (views.new); a side the member lacks is refused
    # by the service with a message.
    target = RadioField("提交给", choices=options(SIDES.items()), default="home")
    # Only the help board shows it; the other boards post without it.
    help_category = SelectField(
        "求助类别",
        choices=options([("", "请选择"), *HELP_CATEGORIES.items()]),
        default="",
    )
    image = UploadField("附图（可选，JPG/PNG/GIF/WebP，{limit} 以内）", IMAGE_LIMIT)
    client_token = HiddenField()


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "回复", validators=required_text("内容", BODY_MAX, missing="请填写回复内容。")
    )
    note = BooleanField("内部备注（只有经办人员能看到）")
    image = UploadField("附图（可选，{limit} 以内）", IMAGE_LIMIT)
    client_token = HiddenField()


class EditForm(FlaskForm):
    title = StringField("标题", validators=[DataRequired("请填写标题。"), Length(max=TITLE_MAX)])
    body = TextAreaField("内容", validators=[DataRequired("请填写内容。"), Length(max=BODY_MAX)])


class FaqCopyForm(FlaskForm):
    """The anonymised copy of a private question, as members will read it."""

    title = StringField("问题标题", validators=required_text("标题", TITLE_MAX))
    question = TextAreaField("问题", validators=required_text("问题", BODY_MAX))
    answer = TextAreaField("答复", validators=required_text("答复", BODY_MAX))
    checked = BooleanField(
        "我已删去姓名、电话、证件号、地名、单位等可识别提问人的信息",
        validators=[DataRequired("请逐项核对并删去可识别提问人的信息后再勾选。")],
    )
