"""Forms for the organisation pages. Field names differ between forms: several share a page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from school.forms import options
from school.orgs.models import AUDIT_ACTIONS, ORG_KINDS, STAFF_ROLES
from school.orgs.services import CITY_MAX, CODE_MAX, NAME_MAX

ORG_KEY_HINT = "填组织代码，或党组织的完整名称（重名时请用代码）。"


class NewOrgForm(FlaskForm):
    name = StringField(
        "名称",
        validators=[DataRequired("请填写党组织名称。"), Length(max=NAME_MAX)],
    )
    kind = SelectField("组织类型", choices=options(ORG_KINDS.items()), default="branch")
    parent = StringField("上级党组织", validators=[DataRequired("请填写上级党组织。")])
    code = StringField("组织代码（可选）", validators=[Optional(), Length(max=CODE_MAX)])
    city = StringField("所在城市（可选）", validators=[Optional(), Length(max=CITY_MAX)])


class RenameForm(FlaskForm):
    name = StringField(
        "名称",
        validators=[DataRequired("请填写党组织名称。"), Length(max=NAME_MAX)],
    )
    code = StringField("组织代码", validators=[Optional(), Length(max=CODE_MAX)])


class MoveForm(FlaskForm):
    new_parent = StringField("新的上级党组织", validators=[DataRequired("请填写新的上级党组织。")])


class MergeForm(FlaskForm):
    merge_target = StringField("并入的党组织", validators=[DataRequired("请填写要并入的党组织。")])
    confirm_merge = BooleanField(
        "我已核对：合并后本组织将标记为已合并，不能撤回",
        validators=[DataRequired("请勾选确认后再合并。")],
    )


class GrantForm(FlaskForm):
    username = StringField(
        "用户名",
        validators=[DataRequired("请填写用户名。"), Length(max=64)],
    )
    role = SelectField("管理角色", choices=options(STAFF_ROLES.items()), default="organiser")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField(
        "操作", choices=options([("", "全部操作"), *AUDIT_ACTIONS.items()]), default=""
    )
    org = StringField("党组织（代码或全称）", validators=[Optional()])
