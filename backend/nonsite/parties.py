"""The registry of parties (当事人) and their vehicles: a plate in an alert names the company or person who
answers for it. A minimal registry of our own until the inspections' registry of regulated objects holds
vehicles. Contact phones are encrypted at rest as residents' are."""
from __future__ import annotations

import re

from sqlalchemy import select

from backend.community import privacy
from backend.db import session
from backend.errors import Conflict, Invalid
from backend.nonsite.models import Party, PartyKind, Vehicle
from backend.org.models import Officer
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS, require

# 省份简称 + 发牌机关字母 + 5 位（普通）或 6 位（新能源）字母数字，末位可为 挂/学/警 等
PLATE = re.compile(r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]"
                   r"[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$")
# 统一社会信用代码: 18 characters of digits and capitals without I, O, S, V, Z
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def check_plate(plate: str) -> str:
    if not PLATE.fullmatch(plate):
        raise Invalid(f"车牌号格式错误：{plate}", code="bad_plate")
    return plate


def check_credit_code(credit_code: str) -> str:
    if not CREDIT_CODE.fullmatch(credit_code):
        raise Invalid(f"统一社会信用代码格式错误：{credit_code}", code="bad_credit_code")
    return credit_code


def register(actor: Officer, *, kind: PartyKind, name: str, plates: list[str], credit_code: str | None = None,
             disposal_permit: str | None = None, phone: str | None = None,
             suishenban_account: bool = True) -> Party:
    """Add a party of the actor's district with its vehicles; a plate belongs to one party only."""
    require(actor, DISTRICT_ADMINS)
    if credit_code is not None:
        check_credit_code(credit_code)
    if kind == PartyKind.company and credit_code is None:
        raise Invalid("单位须填统一社会信用代码", code="credit_code_required")
    plates = [check_plate(plate) for plate in plates]
    if len(set(plates)) != len(plates):
        raise Invalid("车牌号重复", code="plate_repeated")
    taken = list(session.scalars(select(Vehicle.plate).where(Vehicle.plate.in_(plates))))
    if taken:
        raise Conflict(f"车牌已登记在其他当事人名下：{'、'.join(taken)}", code="plate_registered")
    phone = privacy.normalize_phone(phone)
    party = Party(district_id=actor.district_id, kind=kind, name=name, credit_code=credit_code,
                  disposal_permit=disposal_permit, suishenban_account=suishenban_account,
                  phone_encrypted=phone and privacy.encrypt_phone(phone),
                  phone_masked=phone and privacy.mask_phone(phone),
                  vehicles=[Vehicle(plate=plate) for plate in plates])
    session.add(party)
    session.flush()
    return party


def of_plate(plate: str | None, district_id: int) -> Party | None:
    """The party a plate belongs to in the district's registry, if any."""
    if plate is None:
        return None
    return session.scalars(select(Party).join(Vehicle).where(
        Vehicle.plate == plate, Party.district_id == district_id)).first()


def phone_for(party: Party, actor: Officer | None) -> str | None:
    """The full phone for the squads who contact the party; the masked one for anyone else (PIPL)."""
    if party.phone_encrypted is None:
        return None
    if actor is not None and actor.role in SQUAD_MANAGERS:
        return privacy.decrypt_phone(party.phone_encrypted)
    return party.phone_masked


def phone_of(party: Party) -> str | None:
    """The phone in clear for the SMS fallback, or None."""
    return party.phone_encrypted and privacy.decrypt_phone(party.phone_encrypted)
