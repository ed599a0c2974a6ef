"""Every `flask --app wsgi …` command the README names exists, as an operator runs it (a real subprocess)."""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from backend.config import ROOT

FLASK = Path(sys.executable).parent / "flask"
COMMAND_WORD = re.compile(r"[a-z][a-z0-9-]*")


def operator_env(database_url: str) -> dict:
    """The environment of an operator's shell: a database of the test's own and a production-grade key."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(48),
            "SCHEDULER_MODE": "off"}


def flask(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def readme_commands() -> set[tuple[str, ...]]:
    """(command,) or (group, subcommand) for every `flask --app wsgi …` in a code span or block of the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set()
    for span in re.findall(r"```.*?```|`[^`\n]+`", readme, flags=re.DOTALL):
        for tail in re.findall(r"flask --app wsgi ([^\n`]*)", span):
            words = []
            for word in tail.split():
                if not COMMAND_WORD.fullmatch(word) or len(words) == 2:
                    break
                words.append(word)
            if words:
                named.add(tuple(words))
    return named


def listed(help_text: str) -> set[str]:
    """The command names in the `Commands:` section of click's --help output."""
    section = help_text.split("Commands:", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.strip()}


def test_every_command_the_readme_names_is_registered(tmp_path):
    env = operator_env(f"sqlite:///{tmp_path / 'operator.db'}")
    named = readme_commands()
    assert ("cases", "import") in named and ("migrate",) in named and ("scheduler", "run-job") in named
    top = flask("--help", env=env)
    assert top.returncode == 0, top.stderr
    commands = listed(top.stdout)
    missing = sorted(" ".join(words) for words in named if words[0] not in commands)
    assert not missing, f"README names commands `flask --app wsgi --help` does not list: {missing}"
    for group in sorted({words[0] for words in named if len(words) == 2}):
        result = flask(group, "--help", env=env)
        assert result.returncode == 0, result.stderr
        subcommands = listed(result.stdout)
        missing = sorted(words[1] for words in named if words[0] == group and len(words) == 2
                         and words[1] not in subcommands)
        assert not missing, f"`flask --app wsgi {group} --help` does not list {missing}"
