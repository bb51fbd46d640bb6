"""Who ran statesync and on which commit of the specs, for the ledger."""

from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path

_CI_COMMIT_VARS = ("GITHUB_SHA", "CI_COMMIT_SHA")


def current_user() -> str:
    """The login name (``USER``), or ``unknown`` where there is none (some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def git_commit(path: Path | str) -> str | None:
    """The commit checked out in the git work tree holding ``path``, else the CI's commit.

    CI checkouts are sometimes plain copies without ``.git``, hence ``GITHUB_SHA`` and
    ``CI_COMMIT_SHA`` as the fallback.
    """
    directory = Path(path)
    if not directory.is_dir():
        directory = directory.parent
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        result = None
    if result is not None and result.returncode == 0:
        return result.stdout.strip()
    for name in _CI_COMMIT_VARS:
        if os.environ.get(name):
            return os.environ[name]
    return None
