"""The demo's hometown projects: 南山县委 looks for investors for three projects, and 陈志强,
away in Shenzhen, has offered to introduce business people for the first one (nobody has
followed it up yet, so it waits on the county secretary's workbench)."""

from __future__ import annotations

from school.auth.models import User
from school.orgs.models import Organisation
from school.projects import interest, services

_PROJECTS = (
    (
        services.ProjectFields(
            title="红星村茶旅融合示范园",
            sector="文旅",
            place="南山县南山镇红星村",
            size="5000",
            description=(
                "红星村有集体茶园 1200 亩，山上有一段保存完整的古驿道。"
                "村里想把茶园、制茶作坊和古驿道连起来，建一个可以采茶、住宿、研学的示范园。\n\n"
                "**合作方式**：村集体以茶园和闲置校舍入股，欢迎有文旅经验的企业投资建设和运营。"
                "\n\n**已有条件**：县道通到村口，今年已完成电网改造。"
            ),
            contact_name="刘志远",
            contact_phone="0731-84260102",
        ),
        "open",
    ),
    (
        services.ProjectFields(
            title="南山县农产品冷链物流中心",
            sector="商贸物流",
            place="南山县经济开发区",
            size="12000",
            description=(
                "全县每年外销茶叶、柑橘、蔬菜约 6 万吨，缺少产地冷库，旺季损耗大。"
                "规划建设冷库 2 万立方米及分拣、配送中心，用地已列入开发区规划。\n\n"
                "欢迎冷链物流、农产品电商企业洽谈。"
            ),
            contact_name="刘志远",
            contact_phone="0731-84260102",
        ),
        "negotiating",
    ),
    (
        services.ProjectFields(
            title="石桥村屋顶分布式光伏",
            sector="基础设施",
            place="南山县南山镇石桥村",
            size="面议",
            description=(
                "石桥村村委会、小学和 60 余户村民屋顶可安装光伏，约 1.5 兆瓦。"
                "寻找投资建设、运维一体的合作企业，收益与村集体分成。"
            ),
            contact_name="刘志远",
            contact_phone="0731-84260102",
        ),
        "open",
    ),
)


def load(secretary: User, county: Organisation, floating: User) -> None:
    """Publish the county's projects as its secretary would, and 陈志强's interest."""
    created = []
    for fields, status in _PROJECTS:
        project = services.create_project(secretary, county, fields, publish=True)
        if status != "open":
            services.move_status(secretary, project, status, "已有两家企业来县里考察。")
        created.append(project)
    interest.register_interest(
        floating,
        created[0],
        "introduce",
        "在深圳认识几位做茶叶出口和民宿的老乡，春节回家时可以一起来村里看看。",
    )
