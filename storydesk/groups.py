"""Disjoint sets: the groups that chains of links make (one quote in many articles, one entity's
mentions, the sides of a conflict, a copy and its original).

A group's root is its least member, by the members themselves or by the ``key`` given, so the groups
and their roots do not depend on the order the links came in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T", bound=Hashable)


def _itself(x: Any) -> Any:
    """The default ordering key: a member orders by itself."""
    return x


class UnionFind(Generic[T]):
    """Disjoint sets over hashable members; a set's root is its least member (by ``key``, if given)."""

    def __init__(self, key: Callable[[T], Any] | None = None) -> None:
        self.parent: dict[T, T] = {}
        self.key: Callable[[T], Any] = key if key is not None else _itself

    def find(self, x: T) -> T:
        """The root of the set holding ``x`` (a new member is a set of its own)."""
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: T, b: T) -> None:
        """Join the sets of ``a`` and ``b``; the lesser root becomes the root of both."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            root = min(ra, rb, key=self.key)
            self.parent[rb if root == ra else ra] = root

    def groups(self, members: Iterable[T]) -> list[list[T]]:
        """The sets holding ``members``, each as its sorted members, in the order of their roots."""
        by_root: dict[T, list[T]] = {}
        for m in dict.fromkeys(members):
            by_root.setdefault(self.find(m), []).append(m)
        return [sorted(by_root[r], key=self.key) for r in sorted(by_root, key=self.key)]
