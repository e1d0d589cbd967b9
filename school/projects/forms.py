from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from school.forms import LocalDateField, options, required_text
from school.projects.interest import COMPANY_MAX, NEXT_STEP_MAX, NOTE_MAX
from school.projects.models import FOLLOWUP_STATES, HELP_KINDS, SECTORS
from school.projects.services import (
    BODY_MAX,
    IMAGE_LIMIT,
    NAME_MAX,
    PLACE_MAX,
    STATUS_NOTE_MAX,
    TITLE_MAX,
)
from school.uploads import UploadField


def _org_id(value) -> int:
    """The chosen organisation's id; 0 (no such organisation) for anything else sent."""
    return int(value) if str(value).isdigit() else 0


def _most(noun: str, most: int) -> list:
    return [Optional(), Length(max=most, message=f"{noun}最多 {most} 个字。")]


class ProjectForm(FlaskForm):
    title = StringField("项目名称", validators=required_text("项目名称", TITLE_MAX))
    org = SelectField("发布党组织", coerce=_org_id, validate_choice=False)
    sector = SelectField(
        "所属行业",
        choices=options([("", "请选择"), *((s, s) for s in SECTORS)]),
        validate_choice=False,
        validators=[DataRequired("请选择所属行业。")],
    )
    place = StringField("项目地点", validators=required_text("项目地点", PLACE_MAX))
    size = StringField(
        "投资规模（万元）",
        validators=required_text("投资规模", 20, missing="请填写投资规模（万元），或填写“面议”。"),
    )
    description = TextAreaField("项目介绍", validators=required_text("项目介绍", BODY_MAX))
    contact_name = StringField("联系人", validators=required_text("联系人", NAME_MAX))
    contact_phone = StringField("联系电话", validators=required_text("联系电话", 30))
    cover = UploadField("封面图片（可选，JPG/PNG/GIF/WebP，{limit} 以内）", IMAGE_LIMIT)
    remove_cover = BooleanField("删除现在的封面图片")


class StatusForm(FlaskForm):
    note = StringField("说明（可不填）", validators=_most("说明", STATUS_NOTE_MAX))


class InterestForm(FlaskForm):
    help_kind = RadioField(
        "我能提供的帮助",
        choices=options(HELP_KINDS.items()),
        validate_choice=False,
        validators=[DataRequired("请选择您能提供的帮助。")],
    )
    note = TextAreaField("说明（可不填）", validators=_most("说明", NOTE_MAX))


class ReferralForm(FlaskForm):
    name = StringField("联系人姓名", validators=required_text("联系人姓名", NAME_MAX))
    company = StringField("单位（可不填）", validators=_most("单位", COMPANY_MAX))
    phone = StringField("联系人电话", validators=required_text("联系人电话", 30))
    # Not "note": the interest form beside it on the same page has one.
    reason = TextAreaField("推荐说明（可不填）", validators=_most("推荐说明", NOTE_MAX))


class FollowUpForm(FlaskForm):
    state = SelectField("跟进状态", choices=options(FOLLOWUP_STATES.items()), validate_choice=False)
    contacted_on = LocalDateField("联系日期", validators=[DataRequired("请填写联系日期。")])
    note = TextAreaField("跟进情况", validators=required_text("跟进情况", NOTE_MAX))
    next_step = StringField("下一步（可不填）", validators=_most("下一步", NEXT_STEP_MAX))
