"""Forms of the member registry. The services check the rules; these only read the input."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from school.auth.models import GENDERS
from school.forms import LocalDateField, options, required_text
from school.members.models import FLOW_KINDS
from school.members.services import NOTE_MAX
from school.members.transfers import REASON_MAX


class ProfileForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50)])
    gender = SelectField(
        "性别",
        choices=options([("", "未填写"), *GENDERS.items()]),
        default="",
        invalid_choice_message="性别只能是男或女。",
    )
    # Checked by the one phone rule (school.members.phones) that the roster import applies too.
    phone = StringField("联系电话")
    # Checked by school.messaging.clean_email, as on the member's own page.
    email = StringField("电子邮箱")
    joined_party_on = LocalDateField("入党日期", validators=[Optional()])
    membership_no = StringField("党员编号", validators=[Length(max=32, message="党员编号太长。")])
    certificate_no = StringField(
        "流动党员活动证号", validators=[Length(max=50, message="活动证号太长。")]
    )
    current_city = StringField("现所在城市", validators=[Length(max=50)])
    flowed_out_on = LocalDateField("外出日期", validators=[Optional()])
    flow_reason = StringField("外出原因", validators=[Length(max=200)])


class FlowForm(FlaskForm):
    kind = SelectField(
        "流动类型",
        choices=options(FLOW_KINDS.items()),
        invalid_choice_message="请选择流动类型。",
    )
    occurred_on = LocalDateField("发生日期", validators=[DataRequired("请填写发生日期。")])
    org = StringField("党组织（组织代码或全称）", validators=[Length(max=100)])
    city = StringField("城市", validators=[Length(max=50)])
    note = StringField("说明（外出时填写外出原因）", validators=[Length(max=200)])


class NoteForm(FlaskForm):
    org = SelectField(
        "以哪个党组织的名义",
        choices=[],
        coerce=int,
        invalid_value_message="请选择以哪个党组织的名义记录。",
        invalid_choice_message="请选择以哪个党组织的名义记录。",
    )
    occurred_on = LocalDateField("日期", validators=[DataRequired("请填写日期。")])
    body = TextAreaField("管理记录", validators=required_text("记录内容", NOTE_MAX))


def _reason_length(label: str) -> Length:
    # Required or not is the service's rule (a return needs its reason), said in its words.
    return Length(max=REASON_MAX, message=f"{label}最多 {REASON_MAX} 个字。")


class TransferRequestForm(FlaskForm):
    # The id of an organisation picked from the search results (radio buttons).
    to_org = StringField("接收党组织", validators=[DataRequired("请先搜索并选择接收党组织。")])
    reason = TextAreaField("转出原因", validators=[_reason_length("转出原因")])


class TransferAcceptForm(FlaskForm):
    # Any organisation the service accepts (below the receiving one, open), not only those
    # listed: a large subtree lists only what a search found.
    placed = SelectField(
        "转入哪个党组织",
        choices=[],
        coerce=int,
        validate_choice=False,
        invalid_value_message="请选择党员转入的党组织。",
        invalid_choice_message="请选择党员转入的党组织。",
    )
    note = StringField("接收说明（可不填）", validators=[_reason_length("接收说明")])


class TransferReturnForm(FlaskForm):
    reason = TextAreaField("退回原因", validators=[_reason_length("退回原因")])


class TransferWithdrawForm(FlaskForm):
    note = StringField("撤回说明（可不填）", validators=[_reason_length("撤回说明")])
