"""Synthetic people the CHSI simulator knows, chosen to walk every branch of R8–R12.

The ID numbers are invented but well-formed (real region codes, GB 11643 check character), so
they pass the same identity rules as a real candidate's. None belongs to a real person.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.chsi import ChsiKind, ChsiRecord
from domain.identity import check_character, mask


class Identity(BaseModel):
    key: str  # what a demo or test passes to POST /scan
    name: str  # today's name
    id_number: str
    note: str  # which case this person exercises
    records: tuple[ChsiRecord, ...] = ()

    def record(self, kind: ChsiKind) -> ChsiRecord | None:
        return next((r for r in self.records if r.kind is kind), None)


def id_number(region: str, born: date, sequence: int) -> str:
    """Sequence parity is the sex: odd male, even female."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _graduate(
    number: str, name: str, school: str, major: str, code: str, entered: int, graduated: int
) -> tuple[ChsiRecord, ...]:
    """A 专科 graduate has both a 学籍 (now 毕业) and a 学历 record."""
    common = ChsiRecord(
        kind=ChsiKind.XUEJI,
        name=name,
        id_number_masked=mask(number),
        school=school,
        major_name=major,
        major_code=code,
        level="专科",
        study_form="普通全日制",
        enrolled_on=date(entered, 9, 1),
        graduated_on=date(graduated, 6, 30),
        status="毕业",
    )
    return common, common.model_copy(update={"kind": ChsiKind.XUELI})


graduate_records = _graduate  # public for the simulator's run-time identities


def _person(key: str, name: str, number: str, note: str, *records: ChsiRecord) -> Identity:
    return Identity(key=key, name=name, id_number=number, note=note, records=records)


def _build() -> dict[str, Identity]:
    nurse = id_number("430102", date(2000, 3, 7), 22)
    clinical = id_number("430602", date(1999, 11, 21), 31)
    pharmacist = id_number("430902", date(2001, 5, 14), 48)
    police = id_number("430104", date(1998, 8, 2), 15)
    accountant = id_number("440305", date(2000, 1, 19), 26)
    student = id_number("430111", date(2004, 6, 9), 53)
    nobody = id_number("431102", date(1997, 2, 28), 64)
    renamed = id_number("430703", date(2000, 10, 3), 82)
    veteran = id_number("430203", date(1985, 4, 12), 91)
    people = (
        _person("nurse", "李芳", nurse, "护理专科毕业：可报 101101 护理学",
                *_graduate(nurse, "李芳", "长沙卫生职业学院", "护理", "520201", 2019, 2022)),
        _person("clinical", "王磊", clinical, "临床医学专科毕业：可报 101101 护理学",
                *_graduate(clinical, "王磊", "益阳医学高等专科学校", "临床医学", "520101K",
                           2018, 2021)),
        _person("pharmacist", "陈静", pharmacist, "药学专科毕业：可报 100701 药学、100801 中药学",
                *_graduate(pharmacist, "陈静", "湖南食品药品职业学院", "药学", "520301", 2020,
                           2023)),
        _person("police", "刘洋", police, "公安类专科毕业：可报 030601K 治安学",
                *_graduate(police, "刘洋", "湖南警察学院", "治安管理", "", 2016, 2019)),
        _person("accountant", "黄晓", accountant, "广东户籍的会计专科毕业生：非本省户籍规则",
                *_graduate(accountant, "黄晓", "湖南商务职业技术学院", "大数据与会计", "530302",
                           2019, 2022)),
        _person("student", "张伟", student, "专科在读：只有学籍，没有学历",
                ChsiRecord(kind=ChsiKind.XUEJI, name="张伟", id_number_masked=mask(student),
                           school="湖南商务职业技术学院", major_name="大数据与会计",
                           major_code="530302", level="专科", study_form="普通全日制",
                           enrolled_on=date(2023, 9, 1), status="在籍")),
        _person("nobody", "赵敏", nobody, "学信网无任何记录：走手动上传"),
        _person("renamed", "周雨欣", renamed, "学历上的姓名是曾用名周小红：身份信息变更（R12）",
                *_graduate(renamed, "周小红", "湖南工业职业技术学院", "工商企业管理", "530601",
                           2018, 2021)),
        _person("veteran", "孙强", veteran, "2006年专科毕业：只有学历，学籍早于电子注册没有记录",
                _graduate(veteran, "孙强", "湖南大学", "会计", "", 2003, 2006)[1]),
    )  # fmt: skip
    return {person.key: person for person in people}


IDENTITIES: dict[str, Identity] = _build()
