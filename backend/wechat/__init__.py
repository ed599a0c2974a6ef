"""The government-WeChat (政务微信) adapter: client, login, JS-SDK, callback, messages, media, contacts."""
from backend.registry import Domain, Job, Setting

DOMAIN = Domain(
    "wechat",
    models=("backend.wechat.models",),
    blueprints=("backend.api.wechat.views:blp",),
    cli=("backend.wechat.cli:wechat_cli",),
    jobs=(
        Job("wechat.contacts_sync", {"hour": 2, "minute": 30}, "backend.wechat.contacts.sync_contacts", catch_up=False),
    ),
    settings=(
        Setting(
            "WECHAT_API_BASE_URL", "https://qyapi.weixin.qq.com/cgi-bin/", str, "address of the government-WeChat API"
        ),
        Setting("WECHAT_OAUTH_URL", "https://open.weixin.qq.com/connect/oauth2/authorize", str, "its OAuth login page"),
        Setting("WECHAT_QR_LOGIN_URL", "https://open.work.weixin.qq.com/wwopen/sso/qrConnect", str,
                "its QR sign-in page for web apps (the console)"),
        Setting("WECHAT_CORP_ID", "", str, "the organisation's corp id"),
        Setting("WECHAT_AGENT_ID", "", str, "the light app's agent id"),
        Setting("WECHAT_SECRET", "", str, "the light app's secret"),
        Setting("WECHAT_CONTACTS_SECRET", "", str, "the contacts secret (nightly sync)"),
        Setting("WECHAT_CALLBACK_TOKEN", "", str, "token of the callback signature"),
        Setting("WECHAT_CALLBACK_AES_KEY", "", str, "key of the callback encryption"),
        Setting("WECHAT_TIMEOUT_SECONDS", "5", float, "timeout of one call"),
        Setting("WECHAT_MAX_RETRIES", "2", int, "retries of a failed call"),
        Setting("WECHAT_CACHE_PREFIX", "chengguan:wechat", str, "Redis key prefix of tokens and JS-SDK tickets"),
        Setting("WECHAT_CALLBACK_MAX_AGE_SECONDS", "300", int, "callbacks older (or further ahead) are refused"),
        Setting("WECHAT_OAUTH_STATE_MINUTES", "10", int, "an OAuth state older than this is refused at login"),
        Setting(
            "WECHAT_SYNC_MAX_DEACTIVATE_PERCENT",
            "10",
            int,
            "a contacts sync deactivating more of a district is refused",
        ),
        Setting("WECHAT_LOCATION_COORD_SYSTEM", "wgs84", str, "system of government-WeChat LOCATION events"),
    ),
)
