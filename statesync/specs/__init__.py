"""Specs: YAML files declaring desired resources, loaded into validated models and documents."""

from statesync.specs.loader import Spec, SpecSet, discover, load_specs, load_text

__all__ = ["Spec", "SpecSet", "discover", "load_specs", "load_text"]
