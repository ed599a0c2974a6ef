"""Work orders from outside platforms: 城运 (一网统管), the 12345 hotline and grid reports, and their answers.

Its own domain rather than a kind of complaint: an order is keyed by its source and the source's order id,
carries the source's deadlines and status words and is answered back to the source, none of which a
resident's QR complaint has. It shares the complaints' categories, deadlines and phone encryption.
"""
from backend.registry import SWEEP, Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "orders",
    # Sources that only offer a list are polled; a sweep: the stored cursor makes every run take up where the
    # last one stopped, and an order already taken is found again, not doubled.
    jobs=(Job("orders.pull", {"minute": "*/5"}, "backend.orders.pull.pull_sources", period=SWEEP),),
    models=("backend.orders.models", "backend.orders.repeat_links"),
    blueprints=("backend.api.orders.views:blp", "backend.api.orders.analysis:blp"),
    settings=(
        Setting("ORDERS_REPLAY_WINDOW_SECONDS", "300", int,
                "a source's signed order is refused when its timestamp is further than this from our clock",
                example_default=True),
        Setting("ORDERS_CALLBACK_TIMEOUT_SECONDS", "10", int,
                "an answer to a source's callback URL not answered within this is retried by the outbox"),
        Setting("ORDERS_PHOTO_MAX_BYTES", "10000000", int, "largest photo a source's order may point to"),
        Setting("ORDERS_PHOTO_TIMEOUT_SECONDS", "10", int,
                "a photo URL not fetched within this refuses the order (the source retries)", example_default=True),
        Setting("ORDERS_PULL_PAGE_SIZE", "50", int, "orders asked for in one page of a source's list",
                example_default=True),
        Setting("ORDERS_PULL_MAX_PAGES", "20", int,
                "pages of a source's list one run of orders.pull reads at most (the next run goes on)",
                example_default=True),
        Setting("ORDERS_PULL_TIMEOUT_SECONDS", "10", int,
                "a page of a source's list not answered within this fails the run (the cursor stays)",
                example_default=True),
        # Repeats, the monthly report and hot spots (backend/orders/repeats.py, reports.py, hotspots.py)
        Setting("ORDERS_REPEAT_DISTANCE_M", "50", int,
                "an order or complaint this close to an earlier one of its category is a repeat (重复投诉)",
                example_default=True),
        Setting("ORDERS_REPEAT_DAYS", "30", int, "… within this many days of the earlier one", example_default=True),
        Setting("ORDERS_SATISFIED_MIN_RATING", "4", int,
                "a resident's 1–5 rating at least this counts as satisfied in 满意率 (回访: 满意 and 基本满意 do)",
                example_default=True),
        Setting("ORDERS_HOTSPOT_CELL_M", "500", int, "side of a hot-spot grid cell in metres", example_default=True),
        Setting("ORDERS_GUIDANCE_TOP_CELLS", "5", int, "cells the duty guidance (勤务指导意见) names",
                example_default=True),
        Setting("ORDERS_CASE_TARGET_PER_100", "30", int,
                "case-count target (办案量考核指标) per 100 orders and complaints of the squad's area",
                example_default=True),
    ),
    # Handled on time or late, 回访, 退单 the source refused (退单驳回), repeats of what an officer had resolved.
    points_sources=("backend.orders.points",),
    points_items=(
        PointsItem("order_on_time", "工单按时办结", "件", "为民服务", "0.50", "5"),
        PointsItem("order_late", "工单超时办结", "件", "为民服务", "-1.00", "10"),
        PointsItem("order_satisfied", "工单回访满意（含基本满意）", "件", "为民服务", "0.20", "3"),
        PointsItem("order_dissatisfied", "工单回访不满意", "件", "为民服务", "-0.50", "5"),
        PointsItem("order_return_unjustified", "不当退单（来源驳回退单）", "次", "为民服务", "-1.00", "5"),
        PointsItem("order_repeat", "办结后同一问题再被反映（重复投诉）", "件", "为民服务", "-0.50", "5"),
    ),
    work_in_hand=("backend.orders.queries:in_hand",),
    stored_files={"orders": ("backend.orders.models:WorkOrderPhoto.storage_key",)},
    encrypted={"backend.community.privacy:phone_cipher": ("backend.orders.models:WorkOrder.phone_encrypted",),
               "backend.orders.intake:source_key_cipher": ("backend.orders.models:OrderSource.key_encrypted",)},
)
