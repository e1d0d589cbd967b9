from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from school.forms import LocalDateField, options, required_text
from school.notices.models import CATEGORIES
from school.notices.services import BODY_MAX, TITLE_MAX, TOPIC_MAX, VIDEO_URL_MAX, NewsFields
from school.uploads import UploadField

# Which limit an attachment has, only its bytes tell: the request may carry the largest.
ATTACHMENT_LIMITS = {"document": "LESSON_DOCUMENT_MAX_MB", "video": "LESSON_VIDEO_MAX_MB"}
COVER_LIMIT = "LESSON_IMAGE_MAX_MB"
REQUEST_LIMIT = "LESSON_VIDEO_MAX_MB"


class NoticeForm(FlaskForm):
    title = StringField("标题", validators=required_text("标题", TITLE_MAX))
    category = SelectField("栏目", choices=options(CATEGORIES.items()), default="notice")
    org = StringField(
        "发布党组织（组织代码或全称）",
        validators=[Length(max=255, message="组织代码或全称太长了。")],
    )
    body = TextAreaField("正文", validators=required_text("正文", BODY_MAX))
    topic = StringField(
        "法规分类（法律法规栏目，选填）",
        validators=[Length(max=TOPIC_MAX, message=f"法规分类最多 {TOPIC_MAX} 个字。")],
    )
    required = BooleanField("必读（党员需在截止日期前阅读并确认）")
    deadline = LocalDateField("阅读截止日期", validators=[Optional()])
    cover = UploadField("封面图片（选填，{limit} 以内）", COVER_LIMIT)
    remove_cover = BooleanField("删除现有封面")
    attachment = FileField("添加附件（PDF、Word 文档；专题片可上传 MP4、WebM 视频）")
    video_url = StringField(
        "专题片视频地址（选填，单位内网的视频地址）",
        validators=[Length(max=VIDEO_URL_MAX, message=f"视频地址最多 {VIDEO_URL_MAX} 个字符。")],
    )

    def news(self) -> NewsFields:
        """The news fields as typed (the service checks them)."""
        return NewsFields(
            category=self.category.data,
            topic=self.topic.data,
            video_url=self.video_url.data,
            required=bool(self.required.data),
            deadline=self.deadline.data,
        )
