"""Which commit of the specs a run used: the git work tree's HEAD, else the CI's variables."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from statesync.state import git_commit


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    monkeypatch.delenv("CI_COMMIT_SHA", raising=False)


def test_the_commit_of_a_git_work_tree(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            [
                "git",
                "-C",
                str(tmp_path),
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                *args,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    git("commit", "-q", "--allow-empty", "-m", "specs")
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "a.yaml"
    spec.write_text("kind: Investor\n")
    head = git("rev-parse", "HEAD")
    assert git_commit(tmp_path / "specs") == head
    assert git_commit(spec) == head


def test_outside_git_the_ci_commit_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_commit(tmp_path) is None
    monkeypatch.setenv("CI_COMMIT_SHA", "c" * 40)
    assert git_commit(tmp_path) == "c" * 40
    monkeypatch.setenv("GITHUB_SHA", "a" * 40)
    assert git_commit(tmp_path) == "a" * 40
