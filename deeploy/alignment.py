"""Rounding sizes and offsets up to an alignment (one definition for every pass)."""

from __future__ import annotations


def align_up(value: int, alignment: int) -> int:
    """The smallest multiple of `alignment` (positive) that is at least `value`."""
    return -(-value // alignment) * alignment
