"""Every setting the code reads is in the README's configuration table, under the name the code
reads it by: a setting nobody can find is a setting nobody can use."""

from __future__ import annotations

import re
from pathlib import Path

from infra.registry import SERVICES
from shared.settings import PROJECT_ROOT, Settings, env_name

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = ("services", "shared", "infra", "bench")
# A name in quotes that is an OMO_ setting, or any name read from the environment directly.
READ = re.compile(r"\"(OMO_[A-Z_]+)\"|(?:environ\.get|environ\[|getenv)\(?\"([A-Z_]+)\"")


def _documented(name: str) -> bool:
    """Named in README, itself or as a row that covers every service (`OMO_<SERVICE>_HOST`)."""
    if re.search(rf"`{name}`", README):
        return True
    for service in SERVICES:
        prefix = f"OMO_{service.upper()}_"
        if name.startswith(prefix):
            return f"`OMO_<SERVICE>_{name.removeprefix(prefix)}`" in README
    return False


def _from_settings() -> set[str]:
    names = {env_name(Settings, f) for f in Settings.__struct_fields__}
    for entry in SERVICES.values():
        names |= {env_name(entry.settings, f) for f in entry.settings.__struct_fields__}
    return names


def _read_directly() -> set[str]:
    """Variables read by name outside the settings structs (the CLI, the simulator, the
    benchmarks)."""
    names: set[str] = set()
    for folder in SOURCES:
        for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
            names |= {a or b for a, b in READ.findall(path.read_text(encoding="utf-8"))}
    return names


def test_every_setting_in_the_settings_structs_is_in_the_readme() -> None:
    missing = sorted(n for n in _from_settings() if not _documented(n))
    assert missing == [], f"add these to README.md's configuration table: {missing}"


def test_every_variable_read_by_name_is_in_the_readme() -> None:
    missing = sorted(n for n in _read_directly() if not _documented(n))
    assert missing == [], f"add these to README.md's configuration table: {missing}"
