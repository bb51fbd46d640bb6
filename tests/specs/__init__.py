"""Tests of the spec language: YAML specs, the Investor model, the loader and its commands."""
