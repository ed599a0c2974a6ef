"""Who may do what: the sets of roles every domain operation checks, named once by what the people do.

A domain operation enforces its own rule with `require` (so a CLI command or a job gets the same answer
as a request); the API decorator `auth_required(blp, *SET)` reuses the same set to answer 403 early and
to document it. No module outside org defines a set of roles of its own (tests/org/test_roles.py)."""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from backend.errors import Forbidden
from backend.org.models import District, Officer, Role

# Who belongs to a squad (and must have one), and who works for the whole district.
SQUAD_MEMBERS = frozenset({Role.officer, Role.squad_leader})
DISTRICT_STAFF = frozenset({Role.district_admin, Role.supervisor, Role.trainer, Role.legal_reviewer})
# The city bureau's staff (市局): they belong to no district and read every district (backend/org/scope.py).
# They write only what their own work is: the city administrator districts and city accounts, the city
# trainer city-wide training; residents' phones and personal images stay out of their reach (PIPL).
CITY_STAFF = frozenset({Role.city_admin, Role.city_supervisor, Role.city_trainer})
CITY_ADMINS = frozenset({Role.city_admin})
CITY_TRAINING_STAFF = frozenset({Role.city_trainer})
# The leaders of a street or town government (街镇领导): they read their 街镇's squads' duty, complaints,
# points and training, to evaluate the officers working for them (seed 002), and change nothing.
TOWN_READERS = frozenset({Role.town_leader})
# Who watch rather than work (city staff, town leaders): every change by them is refused unless the endpoint
# names their role (backend/api/security.py), so no write meant for a district or a squad reaches them.
OBSERVERS = CITY_STAFF | TOWN_READERS
# Who read the city's reports per district (and the 街镇 index): the city bureau, and a district's
# administrator and supervisors their own district's figures.
CITY_REPORT_READERS = CITY_STAFF | frozenset({Role.district_admin, Role.supervisor})
# Who read the 街镇 index: as the city reports, and a town leader their own 街镇's.
TOWN_INDEX_READERS = CITY_REPORT_READERS | TOWN_READERS
# Who manage the 街镇 of a district and which squads work under them: the district administrator.
TOWN_MANAGERS = frozenset({Role.district_admin})
# Who add and change accounts: a district administrator their district's (squads, district staff, town
# leaders), the city administrator the city bureau's; neither gives a role of the other's level.
ACCOUNT_ADMINS = frozenset({Role.district_admin, Role.city_admin})
DISTRICT_ROLES = frozenset({Role.officer, Role.squad_leader, Role.district_admin, Role.supervisor, Role.trainer,
                            Role.legal_reviewer, Role.town_leader})

# Who take exams and answer quizzes in live classes: the squads' people.
TRAINEES = SQUAD_MEMBERS

# Who manage squads' daily work: posts and rosters, out-of-area check-ins, residents' complaints,
# points (manual items, adjustments, review, publish, quarterly and yearly confirmation).
SQUAD_MANAGERS = frozenset({Role.squad_leader, Role.district_admin})
# Who run training: teachers, courses, question bank, papers, drills, live classes.
TRAINING_STAFF = frozenset({Role.trainer, Role.district_admin})
# Who write courses, live classes and their quizzes, question banks, papers, mandatory plans, drills and teachers:
# a district's training staff their district's, the city trainer the city-wide ones (no district;
# backend/training/common.py says who edits which).
TRAINING_AUTHORS = TRAINING_STAFF | CITY_TRAINING_STAFF
# Who inspect: findings and rectification notices, case imports; told of broken evidence chains.
SUPERVISING_STAFF = frozenset({Role.supervisor, Role.district_admin})
# Who administer the district: staff, QR codes, deadlines, scoring rules, locking months, credit
# requirements, the outbox.
DISTRICT_ADMINS = frozenset({Role.district_admin})
# Who set a year's credit requirements: a district's administrator their district's, the city trainer the city's
# (which every district's officers must meet as well).
CREDIT_REQUIREMENT_SETTERS = DISTRICT_ADMINS | CITY_TRAINING_STAFF
# Who approve a regulated object's credit repair (信用修复), never the one who applied for it.
CREDIT_REPAIR_APPROVERS = DISTRICT_ADMINS
# Who review non-site cases in law before the party is told (法制审核): the district's legal reviewers, never
# the squad that handles the case nor the administrators who run the system.
LEGAL_REVIEWERS = frozenset({Role.legal_reviewer})
# Who read non-site cases: the squads that handle them and the reviewers who check them.
NONSITE_CASE_READERS = SQUAD_MANAGERS | LEGAL_REVIEWERS
# Who follow squads' progress towards the yearly credit hours (the city's staff every squad's, a town leader
# their 街镇's).
CREDIT_PROGRESS_READERS = SQUAD_MANAGERS | TRAINING_STAFF | SUPERVISING_STAFF | CITY_STAFF | TOWN_READERS
# Who read the orders' and complaints' analysis: repeats flagged for 重复投诉核查督办, the monthly report,
# hot spots, the duty guidance and the case-count targets (a squad leader their squad's, district staff all,
# a town leader their 街镇's squads', the city's staff every squad's: all of it per squad in scope).
ORDER_ANALYSIS_READERS = SQUAD_MANAGERS | SUPERVISING_STAFF | CITY_STAFF | TOWN_READERS
# Who read the non-site monthly report (alerts, precision, cases, delivery, payment): as the orders' analysis. The
# observers (the city's staff every squad's, a 街镇 leader their 街镇's) read it too: it is counts per squad and
# month only — no plate, no party, no image (PIPL's minimum necessary), which stay with the cases' workers.
NONSITE_REPORT_READERS = SQUAD_MANAGERS | SUPERVISING_STAFF | CITY_STAFF | TOWN_READERS

# Whose work needs other people's personal images (evidence, check-in selfies, residents' photos), PIPL's
# "minimum necessary": squad leaders decide on their squad's, district administrators handle cases and disputes.
# An officer opens their own and what they handle; a supervisor evidence of findings; a trainer none.
IMAGE_READERS = frozenset({Role.squad_leader, Role.district_admin})


@dataclass(frozen=True)
class Operator:
    """Whoever runs a `flask` command on the server, acting for one district. They reach the database and
    the keys anyway, so they are trusted as its administrator; they have no account, so the command's
    audit row names them by their system user."""

    district: District | None
    name: str
    role: Role = Role.district_admin

    @classmethod
    def at_console(cls, district: District) -> Operator:
        return cls(district, console_user())

    @classmethod
    def for_city(cls) -> Operator:
        """The operator acting as the city administrator: adding a district and its first administrator."""
        return cls(None, console_user(), Role.city_admin)

    @property
    def district_id(self) -> int | None:
        return self.district.id if self.district is not None else None


def console_user() -> str:
    """The system user running a `flask` command, as its audit row names them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return f"uid {os.getuid()}"


def require(actor: Officer | Operator, roles: frozenset[Role], message: str = "您的角色无权执行此操作",
            code: str = "role_forbidden") -> None:
    """Refuse `actor` unless their role is one of `roles`."""
    if actor.role not in roles:
        raise Forbidden(message, code=code)

# Who set the 街镇 index weights (backend/cityreports): the city's administrators the city's, a district's its own.
INDEX_WEIGHT_SETTERS = CITY_ADMINS | DISTRICT_ADMINS
