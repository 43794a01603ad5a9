"""Random but valid identities for synthetic ID cards: invented names, real region codes, numbers
with a correct GB 11643 check character, validity periods as the 居民身份证法 sets them.

No real person's data: names are drawn from common surname and given-name characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from domain.identity import IdCardFields, check_character

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙贺陶顾毛郝龚邵万覃武钱严欧阳"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌辉鹏宇浩然子涵欣怡梓轩雨佳思睿博文诗琪晨阳俊熙一诺嘉怡家豪婷玉兵林峰波海燕雪梅慧丹亮晓东春晖湘湘蓉"  # noqa: E501

# (county code, province, city, county, police issuer)
REGIONS = [
    ("430102", "湖南省", "长沙市", "芙蓉区", "长沙市公安局芙蓉分局"),
    ("430103", "湖南省", "长沙市", "天心区", "长沙市公安局天心分局"),
    ("430104", "湖南省", "长沙市", "岳麓区", "长沙市公安局岳麓分局"),
    ("430105", "湖南省", "长沙市", "开福区", "长沙市公安局开福分局"),
    ("430111", "湖南省", "长沙市", "雨花区", "长沙市公安局雨花分局"),
    ("430181", "湖南省", "长沙市", "浏阳市", "浏阳市公安局"),
    ("430202", "湖南省", "株洲市", "荷塘区", "株洲市公安局荷塘分局"),
    ("430302", "湖南省", "湘潭市", "雨湖区", "湘潭市公安局雨湖分局"),
    ("430405", "湖南省", "衡阳市", "珠晖区", "衡阳市公安局珠晖分局"),
    ("430502", "湖南省", "邵阳市", "双清区", "邵阳市公安局双清分局"),
    ("430602", "湖南省", "岳阳市", "岳阳楼区", "岳阳市公安局岳阳楼分局"),
    ("430702", "湖南省", "常德市", "武陵区", "常德市公安局武陵分局"),
    ("430802", "湖南省", "张家界市", "永定区", "张家界市公安局永定分局"),
    ("430902", "湖南省", "益阳市", "资阳区", "益阳市公安局资阳分局"),
    ("431002", "湖南省", "郴州市", "北湖区", "郴州市公安局北湖分局"),
    ("431102", "湖南省", "永州市", "零陵区", "永州市公安局零陵分局"),
    ("431202", "湖南省", "怀化市", "鹤城区", "怀化市公安局鹤城分局"),
    ("431302", "湖南省", "娄底市", "娄星区", "娄底市公安局娄星分局"),
    ("433101", "湖南省", "湘西土家族苗族自治州", "吉首市", "吉首市公安局"),
    ("420111", "湖北省", "武汉市", "洪山区", "武汉市公安局洪山分局"),
    ("440106", "广东省", "广州市", "天河区", "广州市公安局天河分局"),
    ("360102", "江西省", "南昌市", "东湖区", "南昌市公安局东湖分局"),
]
STREETS = (
    "人民 解放 五一 芙蓉 韶山 湘江 建设 中山 新华 友谊 劳动 八一 迎宾 桐梓坡 麓山 车站 金星".split()
)
VILLAGES = "新村 长岭村 桃花村 石门村 枫林村 白沙村 荷花村 龙泉村".split()
COMMON_MINORITIES = ["土家", "苗", "侗", "瑶", "白", "回", "壮", "满", "蒙古", "维吾尔"]
RARE_MINORITIES = ["柯尔克孜", "乌孜别克", "鄂伦春", "塔吉克", "仫佬", "达斡尔", "傈僳", "布依"]


@dataclass(frozen=True)
class Identity:
    name: str
    sex: str
    ethnicity: str
    birth_date: date
    address_lines: tuple[str, ...]  # as wrapped on the card
    id_number: str
    issuer: str
    valid_from: date
    valid_until: date | None  # None: 长期

    @property
    def address(self) -> str:
        return "".join(self.address_lines)

    def fields(self) -> IdCardFields:
        return IdCardFields(
            name=self.name,
            sex=self.sex,
            ethnicity=self.ethnicity,
            birth_date=self.birth_date,
            address=self.address,
            id_number=self.id_number,
            issuer=self.issuer,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            long_term=self.valid_until is None,
        )


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_years(age_at_issue: int) -> int | None:
    """居民身份证法 art. 5: under 16 five years, 16–25 ten, 26–45 twenty, 46 and over 长期."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


def wrap(text: str, width: int) -> tuple[str, ...]:
    return tuple(text[i : i + width] for i in range(0, len(text), width))


def random_identity(rng: random.Random, today: date) -> Identity:
    code, province, city, county, issuer = rng.choice(REGIONS)
    born = today - timedelta(days=rng.randint(17 * 365, 55 * 365))
    sex = rng.choice("男女")
    seq = rng.randrange(0, 999)
    seq = seq - seq % 2 + (1 if sex == "男" else 0)
    body = f"{code}{born:%Y%m%d}{seq:03d}"
    roll = rng.random()
    ethnicity = (
        "汉" if roll < 0.7 else rng.choice(COMMON_MINORITIES if roll < 0.9 else RARE_MINORITIES)
    )
    if rng.random() < 0.75:
        street = f"{rng.choice(STREETS)}{rng.choice(['路', '大道', '街'])}{rng.randint(1, 999)}号"
        detail = f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室"
        address = f"{province}{city}{county}{street}"
        if rng.random() < 0.6 and len(address + detail) <= 33:  # three lines on the card
            address += detail
    else:
        village = f"{rng.choice(STREETS)}镇{rng.choice(VILLAGES)}{rng.randint(1, 12)}组"
        address = f"{province}{city}{county}{village}"
    name_len = 1 if rng.random() < 0.3 else 2
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(name_len))
    issued = today - timedelta(days=rng.randint(30, 19 * 365))
    issued = max(issued, _years_later(born, 16) + timedelta(days=rng.randint(0, 400)))
    issued = min(issued, today - timedelta(days=10))
    years = validity_years(
        issued.year - born.year - ((issued.month, issued.day) < (born.month, born.day))
    )
    until = None if years is None else _years_later(issued, years)
    if until is not None and until < today:  # keep the card current: renew it
        issued = today - timedelta(days=rng.randint(30, 900))
        until = _years_later(issued, 20)
    return Identity(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        birth_date=born,
        address_lines=wrap(address, 11),
        id_number=body + check_character(body),
        issuer=issuer,
        valid_from=issued,
        valid_until=until,
    )
