"""Holders for the sixth ID-card generator (synthetic/idcard_upload.py): who is on the cards a
candidate uploads and the others did not draw — holders of 46 and over at issue (「长期」),
addresses of three and four printed lines, worn cards issued up to twenty years ago, and
Korean-Chinese holders from Yanbian whose card prints a Korean line above the name and the
address (the bilingual card of an autonomous prefecture). Tests-only data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from domain.identity import IdCardFields, check_character
from synthetic.identities import validity_years

ADDRESS_LINE = 11  # characters per printed address line

_FAMILY = "王李张刘陈杨赵周吴孙胡朱高林何郭罗梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
_GIVEN = "子一乐天宇轩浩然思源雨萱梦琪嘉怡俊杰志强建国秀英桂兰玉梅春华德明永红振宇晓峰文静丽娟海燕"
_HUNAN_MINORITIES = ("汉", "汉", "汉", "土家", "苗", "侗", "瑶", "白", "回", "壮", "维吾尔", "蒙古")
# region code, the address's start, its issuer
_COUNTIES = (
    ("430111", "湖南省长沙市雨花区", "长沙市公安局雨花分局"),
    ("430121", "湖南省长沙县", "长沙县公安局"),
    ("430223", "湖南省攸县", "攸县公安局"),
    ("430381", "湖南省湘乡市", "湘乡市公安局"),
    ("430405", "湖南省衡阳市珠晖区", "衡阳市公安局珠晖分局"),
    ("430523", "湖南省邵阳县", "邵阳县公安局"),
    ("430626", "湖南省平江县", "平江县公安局"),
    ("430725", "湖南省桃源县", "桃源县公安局"),
    ("430821", "湖南省慈利县", "慈利县公安局"),
    ("430922", "湖南省桃江县", "桃江县公安局"),
    ("431021", "湖南省桂阳县", "桂阳县公安局"),
    ("431126", "湖南省宁远县", "宁远县公安局"),
    ("431226", "湖南省麻阳苗族自治县", "麻阳苗族自治县公安局"),
    ("431229", "湖南省靖州苗族侗族自治县", "靖州苗族侗族自治县公安局"),
    ("433130", "湖南省湘西土家族苗族自治州龙山县", "龙山县公安局"),
    ("431382", "湖南省涟源市", "涟源市公安局"),
)
_ROADS = ("韶山南路", "万家丽中路", "芙蓉中路", "建设北路", "迎宾东路", "人民中路", "红旗路")
_UNITS = ("金色家园", "阳光小区", "枫林绿洲", "湘江世纪城", "中建梅溪湖壹号", "新城国际花园")
_TOWNS = ("洞口镇", "新店坪镇", "三眼桥乡", "黄土铺镇", "大浦镇", "双江口镇", "沙田乡")
_VILLAGES = ("石桥村", "竹山村", "大塘村", "枫树村", "双福村", "和平村", "红星村")
_GROUPS = ("一组", "三组", "五组", "七组", "十二组")

# Yanbian: the card prints each name and address part in Korean too
_YB_SURNAMES = (("金", "김"), ("李", "리"), ("朴", "박"), ("崔", "최"), ("郑", "정"), ("姜", "강"))
_YB_GIVEN = (
    ("哲", "철"), ("顺", "순"), ("英", "영"), ("美", "미"), ("成", "성"), ("浩", "호"),
    ("珍", "진"), ("玉", "옥"), ("植", "식"), ("俊", "준"), ("贤", "현"), ("熙", "희"),
)  # fmt: skip
_YB_COUNTIES = (
    ("222401", ("吉林省", "길림성"), ("延吉市", "연길시"), "延吉市公安局"),
    ("222405", ("吉林省", "길림성"), ("龙井市", "룡정시"), "龙井市公安局"),
    ("222406", ("吉林省", "길림성"), ("和龙市", "화룡시"), "和龙市公安局"),
)
_YB_STREETS = (
    ("光明街", "광명가"),
    ("人民路", "인민로"),
    ("新兴街", "신흥가"),
    ("河南街", "하남가"),
)


@dataclass(frozen=True)
class CardHolder:
    name: str
    sex: str
    ethnicity: str
    born: date
    address: str
    number: str
    issuer: str
    valid_from: date
    valid_until: date | None  # None: 长期
    korean_name: str = ""
    korean_address: str = ""

    def fields(self) -> IdCardFields:
        return IdCardFields(
            name=self.name,
            sex=self.sex,
            ethnicity=self.ethnicity,
            birth_date=self.born,
            address=self.address,
            id_number=self.number,
            issuer=self.issuer,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            long_term=self.valid_until is None,
        )

    def address_lines(self) -> list[str]:
        text = self.address
        return [text[i : i + ADDRESS_LINE] for i in range(0, len(text), ADDRESS_LINE)]


def _plus_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _hunan_address(rng: random.Random, start: str) -> str:
    """Two to four printed lines: a town's village and group, or a city road's estate."""
    if rng.random() < 0.5:
        village = f"{rng.choice(_TOWNS)}{rng.choice(_VILLAGES)}{rng.choice(_GROUPS)}"
        tail = f"{village}{rng.randint(1, 99)}号"
    else:
        tail = (
            f"{rng.choice(_ROADS)}{rng.randint(1, 999)}号{rng.choice(_UNITS)}"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 33)}0{rng.randint(1, 8)}室"
        )
    if len(start + tail) > ADDRESS_LINE * 4:
        return _hunan_address(rng, start)
    return start + tail


def make_holder(rng: random.Random, today: date, bilingual: bool) -> CardHolder:
    # 16–70 years old; a third past 46 at issue, whose card says 长期
    born = today - timedelta(days=rng.randint(17 * 365, 70 * 365))
    korean_name = korean_address = ""
    if bilingual:
        code, province, city, issuer = rng.choice(_YB_COUNTIES)
        family = rng.choice(_YB_SURNAMES)
        given = rng.sample(_YB_GIVEN, rng.choice((1, 2)))
        name = family[0] + "".join(g[0] for g in given)
        korean_name = family[1] + "".join(g[1] for g in given)
        street = rng.choice(_YB_STREETS)
        number = rng.randint(1, 300)
        address = f"{province[0]}{city[0]}{street[0]}{number}号"
        korean_address = f"{province[1]} {city[1]} {street[1]} {number}호"
        ethnicity = "朝鲜"
    else:
        code, start, issuer = rng.choice(_COUNTIES)
        name = rng.choice(_FAMILY) + "".join(rng.sample(_GIVEN, rng.choice((1, 2, 2))))
        address = _hunan_address(rng, start)
        ethnicity = rng.choice(_HUNAN_MINORITIES)
    sex = rng.choice("男女")
    body = f"{code}{born:%Y%m%d}{rng.randint(0, 99):02d}"
    body += str(rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8)))
    # issued up to 20 years ago, still valid today
    while True:
        issued = today - timedelta(days=rng.randint(30, 20 * 365))
        age = (issued - born).days // 365
        years = validity_years(age)
        if age >= 16 and (years is None or _plus_years(issued, years) > today):
            break
    return CardHolder(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        born=born,
        address=address,
        number=body + check_character(body),
        issuer=issuer,
        valid_from=issued,
        valid_until=None if years is None else _plus_years(issued, years),
        korean_name=korean_name,
        korean_address=korean_address,
    )
