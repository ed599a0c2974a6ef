"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character.

Characters: the digits and the capitals without I, O, Z, S, V (31 in all, each worth its place in
CHARSET). Positions 1-2 say the registering authority and the kind of organisation, 3-8 the
administrative division (digits), 9-17 the organisation code; the 18th is
31 - (Σ value(i) × 3^i mod 31) mod 31 over positions i = 0…16, written with the same characters
(31 is written 0).
"""
from __future__ import annotations

from backend.errors import Invalid

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """The code in capitals without spaces, or Invalid saying what is wrong with it."""
    code = "".join((raw or "").split()).upper()
    if len(code) != 18:
        raise Invalid(f"统一社会信用代码应为 18 位（现为 {len(code)} 位）", code="bad_credit_code")
    wrong = sorted({char for char in code if char not in CHARSET})
    if wrong:
        raise Invalid(f"统一社会信用代码含有不允许的字符：{'、'.join(wrong)}（不使用 I、O、Z、S、V）",
                      code="bad_credit_code")
    if not code[2:8].isdigit():
        raise Invalid("统一社会信用代码第 3 至 8 位应为行政区划代码（数字）", code="bad_credit_code")
    if check_character(code[:17]) != code[17]:
        raise Invalid("统一社会信用代码校验位不正确，请核对", code="credit_code_check_digit")
    return code
