"""Stackable micro-degrees: rules, progress, the composite credential (docs/stacking.md)."""
