"""Views: how a plan is shown — text for a terminal, markdown for a pull request, JSON for tools.

Every view masks sensitive values; none of them decides anything.
"""

from statesync.views.plan_json import FORMAT_VERSION, plan_to_json
from statesync.views.plan_markdown import COMMENT_LIMIT, render_markdown
from statesync.views.plan_text import render_text

__all__ = ["COMMENT_LIMIT", "FORMAT_VERSION", "plan_to_json", "render_markdown", "render_text"]
