"""Disjoint sets: the groups that chains of links make (one quote in many articles, one entity's
mentions, the sides of a conflict, a copy and its original).

A group's root is its least member, by the members themselves or by the ``key`` given, so the groups
and their roots do not depend on the order the links came in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T", bound=Hashable)


def _itself(member: Any) -> Any:
    """The default ordering key: a member orders by itself."""
    return member


class UnionFind(Generic[T]):
    """Disjoint sets over hashable members; a set's root is its least member (by ``key``, if given)."""

    def __init__(self, key: Callable[[T], Any] | None = None) -> None:
        self.parent: dict[T, T] = {}
        self.key: Callable[[T], Any] = key if key is not None else _itself

    def find(self, member: T) -> T:
        """The root of the set holding ``member`` (a new member is a set of its own)."""
        self.parent.setdefault(member, member)
        while self.parent[member] != member:
            self.parent[member] = self.parent[self.parent[member]]
            member = self.parent[member]
        return member

    def union(self, first: T, second: T) -> None:
        """Join the sets of ``first`` and ``second``; the lesser root becomes the root of both."""
        first_root, second_root = self.find(first), self.find(second)
        if first_root != second_root:
            root = min(first_root, second_root, key=self.key)
            self.parent[second_root if root == first_root else first_root] = root

    def groups(self, members: Iterable[T]) -> list[list[T]]:
        """The sets holding ``members``, each as its sorted members, in the order of their roots."""
        by_root: dict[T, list[T]] = {}
        for member in dict.fromkeys(members):
            by_root.setdefault(self.find(member), []).append(member)
        return [sorted(by_root[root], key=self.key) for root in sorted(by_root, key=self.key)]
