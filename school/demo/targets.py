"""The demo school's target management: the work committee's scheme for its floating members
this year, published, with 陈志强's self-report and one of his manual scores given."""

from datetime import date, timedelta

from school.auth.models import User
from school.clock import current_year, local_today
from school.orgs.models import Organisation
from school.targets import services
from school.targets.services import IndicatorFields, SchemeFields

TITLE = "驻外流动党员年度目标考核"

INDICATORS = [
    IndicatorFields(
        "political", "理论学习", 20, "hours", "年度学时达到要求（32 学时，党员干部 56 学时）。"
    ),
    IndicatorFields("political", "专题教育", 10, "campaigns", "按期完成本年度的专题教育活动。"),
    IndicatorFields(
        "discipline", "遵规守纪", 20, "manual", "遵守党章党规，按时交纳党费。", scorer_side="home"
    ),
    IndicatorFields(
        "organisation", "参加组织生活", 15, "offline", "参加驻外支部组织生活和培训。", threshold=4
    ),
    IndicatorFields(
        "organisation",
        "主动联系党组织",
        10,
        "manual",
        "定期向党组织汇报思想和工作。",
        scorer_side="host",
    ),
    IndicatorFields(
        "role", "建言献策", 10, "board", "在网上党校提问、建议、反映情况或解答。", threshold=3
    ),
    IndicatorFields(
        "role",
        "岗位作用",
        15,
        "manual",
        "在企业经营和商会工作中发挥先锋模范作用。",
        scorer_side="host",
    ),
]

REPORT = (
    "今年在深圳坚持线上学习，完成了年度学时和专题教育；参加了驻深圳支部的主题党日和工委的支部书记培训班。"
    "在商会带头为困难会员捐款，帮助两名老乡解决了工资拖欠问题。不足是参加支部集中学习的次数还不够，"
    "明年争取每月参加一次组织生活。"
)


def load(secretary: User, committee: Organisation, member: User) -> None:
    """Published scheme of the work committee for its host-side members, open for self-reports
    now; 陈志强 has written his and been scored on one indicator."""
    today = local_today()
    year = current_year()
    start = max(date(year, 1, 1), today - timedelta(days=20))
    fields = SchemeFields(
        title=TITLE,
        side="host",
        year=year,
        period_start=start,
        period_end=max(today + timedelta(days=40), start),
        description="工委对流入本委所属驻外支部的流动党员实行目标管理，结果作为民主评议的主要依据。",
    )
    scheme = services.create_scheme(secretary, committee, fields)
    for indicator in INDICATORS:
        services.add_indicator(scheme, indicator)
    services.publish(scheme, secretary)
    contact = next(i for i in scheme.indicators if i.title == "主动联系党组织")
    services.record_score(secretary, contact, member, 9, "每月通过网上党校汇报，主动参加支部活动。")
    services.save_self_report(member, scheme, REPORT, today)
