"""Plans: what applying the specs would change, per resource, as minimal RFC 6902 patches.

This package imports neither httpx nor SQLAlchemy: it takes what the state knows as plain
mappings and a redaction function, and returns a Plan that views render and apply executes.
"""

from statesync.plans.action import Action
from statesync.plans.change import Change, Failure, FieldChange, Plan
from statesync.plans.planfile import load_plan, save_plan
from statesync.plans.planner import Known, Redact, make_plan, plan_resource

__all__ = [
    "Action",
    "Change",
    "Failure",
    "FieldChange",
    "Known",
    "Plan",
    "Redact",
    "load_plan",
    "make_plan",
    "plan_resource",
    "save_plan",
]
