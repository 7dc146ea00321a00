"""Which page elements a form reports into: its status line, result line and tier list.

Public names: ``Panel``, ``COURSE``, ``TEXT``.
"""

from __future__ import annotations

__all__ = ["COURSE", "TEXT", "Panel"]


class Panel:
    """The elements one form reports into: its status line, result line and tier list."""

    def __init__(self, status: str, served: str, tiers: str) -> None:
        self.status, self.served, self.tiers = status, served, tiers


COURSE = Panel("gen-status", "served-by", "tiers")
TEXT = Panel("text-status", "text-served-by", "text-tiers")
