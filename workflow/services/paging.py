"""Paged results, the same shape for every list the services return."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class PageRequest:
    """The page a list asks for; the filters of every paged list extend it (keyword arguments)."""
    page: int = 1
    per_page: int = 20


def clamp(page: int | None, per_page: int | None) -> tuple[int, int]:
    """A valid (page, per_page): at least 1, at most ``MAX_PER_PAGE`` a page, 20 by default."""
    return max(1, int(page or 1)), max(1, min(int(per_page or 20), MAX_PER_PAGE))
