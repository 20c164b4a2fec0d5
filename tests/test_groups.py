"""Disjoint sets: the least member is the root, whatever order the links came in."""

from __future__ import annotations

from storydesk.groups import UnionFind


def test_root_is_the_least_member_in_any_order() -> None:
    for links in ([(3, 1), (1, 2)], [(1, 2), (2, 3)], [(2, 3), (3, 1)]):
        uf: UnionFind[int] = UnionFind()
        for a, b in links:
            uf.union(a, b)
        assert {uf.find(k) for k in (1, 2, 3)} == {1}


def test_groups_are_sorted_and_in_root_order() -> None:
    uf: UnionFind[int] = UnionFind()
    for a, b in [(5, 4), (2, 0), (3, 3)]:
        uf.union(a, b)
    assert uf.groups([5, 4, 3, 2, 0, 4, 6]) == [[0, 2], [3], [4, 5], [6]]


def test_a_key_orders_the_roots() -> None:
    uf: UnionFind[str] = UnionFind(key=len)
    uf.union("abc", "a")
    uf.union("ab", "abc")
    assert uf.find("abc") == "a"
    assert uf.groups(["ab", "abc", "a"]) == [["a", "ab", "abc"]]
