"""The README documents every setting the service reads, with its default, and every scheduled job."""
from backend.config import ROOT, SETTINGS
from backend.scheduler import JOBS


def test_every_setting_is_documented_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (default, _parse) in SETTINGS.items():
        assert f"`{name}`" in readme, f"{name} is not in README.md"
        if default and not default.startswith(str(ROOT)) and "sqlite" not in default:
            assert f"`{default}`" in readme, f"the default of {name} ({default}) is not in README.md"


def test_every_scheduled_job_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for job in JOBS:
        assert f"| `{job.id}` |" in readme, f"job {job.id} is not in README.md's table of scheduled jobs"
