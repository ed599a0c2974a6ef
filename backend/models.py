"""Every model module, imported so that the metadata Alembic compares against is complete."""
from backend import audit  # noqa: F401
from backend.org import models as org_models  # noqa: F401
from backend import outbox, scheduler  # noqa: F401
from backend.wechat import models as wechat_models  # noqa: F401
from backend.duty import models as duty_models  # noqa: F401
from backend.training import models as training_models  # noqa: F401
from backend.community import models as community_models  # noqa: F401
from backend.evidence import models as evidence_models  # noqa: F401
from backend.supervision.findings import models as supervision_findings_models  # noqa: F401
from backend.supervision.cases import models as supervision_cases_models  # noqa: F401
from backend.supervision.points import models as supervision_points_models  # noqa: F401
from backend.training.drills import models as training_drill_models  # noqa: F401
