"""Seed catalogs (DESIGN.md "Code tables"). The read model copies them at seed time; admins edit
them there. Pure data, importable in the workflow sandbox."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Level(StrEnum):
    ZHUANKE = "zhuanke"  # 专科
    BENKE = "benke"  # 专升本 / 本科

    @property
    def label(self) -> str:
        return {"zhuanke": "专科", "benke": "专升本"}[self.value]


class Major(BaseModel):
    code: str
    name: str
    level: Level
    restricted: bool = False


#: The 14 市州 of Hunan; the code is the exam area (AA) of the admission-ticket number.
REGIONS: dict[str, str] = {
    "01": "长沙市",
    "02": "株洲市",
    "03": "湘潭市",
    "04": "衡阳市",
    "05": "邵阳市",
    "06": "岳阳市",
    "07": "常德市",
    "08": "张家界市",
    "09": "益阳市",
    "10": "郴州市",
    "11": "永州市",
    "12": "怀化市",
    "13": "娄底市",
    "14": "湘西土家族苗族自治州",
}

RESTRICTED_MAJOR_CODES = ("520201", "101101", "100701", "100801", "030601K", "030612TK")

MAJORS: tuple[Major, ...] = (
    # Attachment 1 — restricted, each at its own level
    Major(code="520201", name="护理", level=Level.ZHUANKE, restricted=True),
    Major(code="101101", name="护理学", level=Level.BENKE, restricted=True),
    Major(code="100701", name="药学", level=Level.BENKE, restricted=True),
    Major(code="100801", name="中药学", level=Level.BENKE, restricted=True),
    Major(code="030601K", name="治安学", level=Level.BENKE, restricted=True),
    Major(code="030612TK", name="公安管理学", level=Level.BENKE, restricted=True),
    # common 专科 majors
    Major(code="530302", name="大数据与会计", level=Level.ZHUANKE),
    Major(code="530601", name="工商企业管理", level=Level.ZHUANKE),
    Major(code="510201", name="计算机应用技术", level=Level.ZHUANKE),
    Major(code="570102K", name="学前教育", level=Level.ZHUANKE),
    Major(code="590206", name="行政管理", level=Level.ZHUANKE),
    Major(code="530701", name="电子商务", level=Level.ZHUANKE),
    # common 专升本 majors
    Major(code="050101", name="汉语言文学", level=Level.BENKE),
    Major(code="120402", name="行政管理", level=Level.BENKE),
    Major(code="120203K", name="会计学", level=Level.BENKE),
    Major(code="080901", name="计算机科学与技术", level=Level.BENKE),
    Major(code="040106", name="学前教育", level=Level.BENKE),
    Major(code="030101K", name="法学", level=Level.BENKE),
    Major(code="120206", name="人力资源管理", level=Level.BENKE),
    Major(code="120201K", name="工商管理", level=Level.BENKE),
)
MAJORS_BY_CODE = {m.code: m for m in MAJORS}

#: 政治面貌, GB/T 4762
POLITICAL_STATUS: dict[str, str] = {
    "01": "中国共产党党员",
    "02": "中国共产党预备党员",
    "03": "中国共产主义青年团团员",
    "04": "中国国民党革命委员会会员",
    "05": "中国民主同盟盟员",
    "06": "中国民主建国会会员",
    "07": "中国民主促进会会员",
    "08": "中国农工民主党党员",
    "09": "中国致公党党员",
    "10": "九三学社社员",
    "11": "台湾民主自治同盟盟员",
    "12": "无党派人士",
    "13": "群众",
}

#: 职业, GB/T 6565-2015 major groups plus 学生 / 待业
OCCUPATIONS: dict[str, str] = {
    "1": "党的机关、国家机关、群众团体和社会组织、企事业单位负责人",
    "2": "专业技术人员",
    "3": "办事人员和有关人员",
    "4": "社会生产服务和生活服务人员",
    "5": "农、林、牧、渔业生产及辅助人员",
    "6": "生产制造及有关人员",
    "7": "军人",
    "8": "不便分类的其他从业人员",
    "90": "学生",
    "91": "待业",
}

#: 户口类型
HOUSEHOLD_TYPES: dict[str, str] = {"1": "城镇", "2": "农村"}

#: Provinces, GB/T 2260 two-digit codes (household registration province)
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
HUNAN = "43"

CODE_TABLES: dict[str, dict[str, str]] = {
    "region": REGIONS,
    "political_status": POLITICAL_STATUS,
    "occupation": OCCUPATIONS,
    "household_type": HOUSEHOLD_TYPES,
    "province": PROVINCES,
}
