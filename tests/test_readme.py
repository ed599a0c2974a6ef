"""The README documents every setting the service reads, with its default."""
from backend.config import ROOT, SETTINGS


def test_every_setting_is_documented_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (default, _parse) in SETTINGS.items():
        assert f"`{name}`" in readme, f"{name} is not in README.md"
        if default and not default.startswith(str(ROOT)) and "sqlite" not in default:
            assert f"`{default}`" in readme, f"the default of {name} ({default}) is not in README.md"
