"""Organisation (组织): districts, squads, officers and roles; login."""
from backend.registry import Domain, Setting

DOMAIN = Domain(
    "org",
    models=("backend.org.models",),
    blueprints=("backend.api.org.auth:blp", "backend.api.org.views:blp"),
    cli=("backend.org.cli:org_cli",),
    settings=(
        Setting("TOKEN_TTL_HOURS", "12", int, "how long a login token is valid"),
        Setting("LOGIN_MAX_FAILURES", "5", int, "failed logins in a row before the account is locked"),
        Setting("LOGIN_LOCKOUT_MINUTES", "15", int, "how long a locked account stays locked"),
    ),
)
