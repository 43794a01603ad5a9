"""Staff accounts' rules: which regions and passwords an account may have, and the refusals of an
account change. Both the console (api/routes/office_admin.py) and `ruji account` apply them
through infra/accounts.py."""

from __future__ import annotations

from domain.catalogs import REGIONS
from domain.errors import Refusal, RefusalCode, RefusedError
from domain.roles import STAFF_ROLES, Role

MIN_PASSWORD_LENGTH = 12


class AccountRefusal(RefusalCode):
    """An account change refused: who it would create or what it would allow."""

    ACCOUNT_EXISTS = "ACCOUNT_EXISTS", "账号已存在"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND", "账号不存在"
    ACCOUNT_ROLE_UNKNOWN = "ACCOUNT_ROLE_UNKNOWN", "角色只能是审核员、管理员或运维人员"
    ACCOUNT_REGIONS_UNKNOWN = "ACCOUNT_REGIONS_UNKNOWN", "未知的地区代码"
    ACCOUNT_REGIONS_REQUIRED = "ACCOUNT_REGIONS_REQUIRED", "审核员必须指定负责地区"
    ACCOUNT_REGIONS_NOT_ALLOWED = "ACCOUNT_REGIONS_NOT_ALLOWED", "只有审核员按地区分配"
    ACCOUNT_PASSWORD_SHORT = "ACCOUNT_PASSWORD_SHORT", f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    ACCOUNT_SELF_LOCKOUT = (
        "ACCOUNT_SELF_LOCKOUT",
        "不能停用自己的账号或取消自己的管理员角色（请由另一位管理员操作）",
    )


class AccountError(RefusedError):
    """A refused account change. The message is the code's Chinese text; `english` is added for
    the operator at a terminal (`ruji account` prints both)."""

    def __init__(self, code: AccountRefusal, english: str, detail: str | None = None) -> None:
        super().__init__(Refusal.of(code, detail))
        self.english = english

    def __str__(self) -> str:
        return f"{self.refusal.message} / {self.english}"


def parse_role(raw: str) -> Role:
    if raw not in {role.value for role in STAFF_ROLES}:
        raise AccountError(AccountRefusal.ACCOUNT_ROLE_UNKNOWN, f"unknown role: {raw}")
    return Role(raw)


def parse_regions(role: str, raw: str) -> str:
    """The comma-separated region codes an account of `role` may hold: examiners need some."""
    codes = [code.strip() for code in raw.split(",") if code.strip()]
    unknown = [code for code in codes if code not in REGIONS]
    if unknown:
        listed = ", ".join(unknown)
        raise AccountError(
            AccountRefusal.ACCOUNT_REGIONS_UNKNOWN, f"unknown region codes: {listed}", listed
        )
    if role == Role.EXAMINER and not codes:
        raise AccountError(AccountRefusal.ACCOUNT_REGIONS_REQUIRED, "an examiner needs --regions")
    if role != Role.EXAMINER and codes:
        raise AccountError(
            AccountRefusal.ACCOUNT_REGIONS_NOT_ALLOWED,
            f"--regions applies to examiners only, not to {role}",
        )
    return ",".join(codes)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            AccountRefusal.ACCOUNT_PASSWORD_SHORT, f"at least {MIN_PASSWORD_LENGTH} characters"
        )
    return password
