"""Non-site enforcement (非现场执法): cameras, their alerts locked as evidence, triage, and the cases opened.

Its own domain, not grown from `backend/supervision/cases`: that one mirrors cases the case-handling
system owns (imported, read-only, for 两超期两随意 supervision); here the bureau owns the case from the
camera's alert through its legal steps, with models, inbound and outbound platforms of its own.
"""
from backend.registry import Domain, Setting

DOMAIN = Domain(
    "nonsite",
    models=("backend.nonsite.models",),
    blueprints=("backend.api.nonsite:blp",),
    settings=(
        Setting("NONSITE_SENDER_KEYS", "", str,
                "the platforms that send camera alerts and each one's signing key: `name=key,name=key`"),
        Setting("NONSITE_REPLAY_SECONDS", "300", int,
                "a signed alert whose timestamp is further from the server's clock is refused", example_default=True),
        Setting("NONSITE_BURST_MINUTES", "5", int,
                "alerts of the same kind and plate or shop from one camera within this many minutes are one event",
                example_default=True),
        Setting("NONSITE_MAX_IMAGES", "6", int, "most images one alert may carry", example_default=True),
        Setting("NONSITE_CLIP_MAX_SECONDS", "30", int, "longest clip (MP4) one alert may carry", example_default=True),
        Setting("NONSITE_INTERNAL_SENDERS", "", str,
                "alert senders inside the government network (`name,name`): their image and clip URLs may point "
                "to private addresses; every other sender's must be public"),
        Setting("NONSITE_MEDIA_TIMEOUT_SECONDS", "10", int,
                "an alert's image or clip fetched by URL must arrive within this many seconds, or the alert is "
                "refused (the platform retries)", example_default=True),
        Setting("NONSITE_SHOP_RADIUS_M", "150", int,
                "a shop alert naming no credit code and no unique shop name is about the nearest 沿街商户 object "
                "within this many metres of the camera", example_default=True),
        Setting("NONSITE_STATEMENT_WORKING_DAYS", "3", int,
                "working days (the district's calendar) after the notice is delivered for the party's statement",
                example_default=True),
        Setting("NONSITE_HEARING_FINE", "10000", int,
                "a proposed fine of at least this many yuan gives the party the right to a hearing (听证)",
                example_default=True),
        Setting("NONSITE_SUISHENBAN_URL", "", str, "base address of the 随申办 document interface; empty: not sent"),
        Setting("NONSITE_SUISHENBAN_KEY", "", str, "key signing documents to 随申办 and its callbacks to us"),
        Setting("NONSITE_SMS_URL", "", str, "base address of the SMS gateway (fallback delivery); empty: not sent"),
        Setting("NONSITE_SMS_KEY", "", str, "key signing texts to the SMS gateway and its receipts to us"),
    ),
    stored_files={"nonsite/documents": ("backend.nonsite.models:CaseDocument.pdf_key",),
                  "nonsite/archives": ("backend.nonsite.models:NonsiteCase.archive_key",)},
    system_accounts=("backend.nonsite.queries:camera_accounts",),  # each camera's evidence chain holder
    internal_orders="backend.nonsite.verification:order_finished",  # 现场核实 results from the orders queue
    encrypted={"backend.community.privacy:phone_cipher": ("backend.nonsite.models:Party.phone_encrypted",)},
)
