"""The fictional demo data set: a county (or a province of 100 counties)."""

from .load import DemoResult, load_demo

__all__ = ["DemoResult", "load_demo"]
