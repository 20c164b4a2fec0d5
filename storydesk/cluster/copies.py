"""Copy detection stage: finds articles that are copies or light edits of one another (wire copy, updates).

Word shingles are hashed into MinHash signatures (datasketch); LSH banding (datasketch's optimal band
parameters for the threshold) finds candidate pairs without comparing all pairs, and the estimated Jaccard
similarity (or containment, for an updated version that grew) confirms them. Copy groups are closed
transitively; the original of a group is its earliest article (published date, then id), so the result
does not depend on the order the articles came in.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from anyascii import anyascii
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

from ..groups import UnionFind
from ..models import Article
from ..text import ASCII_RUN_RE

NUM_PERM = 128
SHINGLE = 5  # words per shingle: long enough that two independent reports rarely share one
THRESHOLD = 0.5  # LSH recall point (Jaccard)
MIN_JACCARD = 0.6  # a light edit of the same text
MIN_CONTAINMENT = 0.85  # an updated version: the shorter text stands almost whole in the longer
MIN_SHINGLES = 12  # below this a text is too short to call it a copy of anything
BANDS, ROWS = _optimal_param(THRESHOLD, NUM_PERM, 0.5, 0.5)
SCHEME = MinHash(num_perm=NUM_PERM, seed=1).scheme  # stored with nothing else, so fixed here


def shingles(text: str) -> set[bytes]:
    """Word 5-grams of the folded text, as bytes (what MinHash hashes)."""
    words = ASCII_RUN_RE.findall(anyascii(text).lower())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> tuple[LeanMinHash, int]:
    """The MinHash signature of a text and its number of shingles."""
    grams = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32)  # C hash: sha1 per shingle is slow
    if grams:
        minhash.update_batch(sorted(grams))
    return LeanMinHash(minhash), len(grams)


def from_bytes(raw: bytes) -> LeanMinHash:
    """A signature back from its stored hash values."""
    return LeanMinHash(seed=1, hashvalues=np.frombuffer(raw, dtype=np.uint64), scheme=SCHEME)


def band_keys(sig: LeanMinHash) -> list[int]:
    """One 63-bit key per LSH band: articles sharing any key are candidate copies."""
    hv = np.asarray(sig.hashvalues, dtype=np.uint64)
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(
            hv[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8, person=b"band%04d" % band
        )
        keys.append(int.from_bytes(digest.digest(), "little") >> 1)  # fits SQLite's signed INTEGER
    return keys


def similar(first: LeanMinHash, n_first: int, second: LeanMinHash, n_second: int) -> bool:
    """Whether two signatures are near-duplicates: high Jaccard, or the shorter almost inside the longer."""
    if min(n_first, n_second) < MIN_SHINGLES:
        return False
    jaccard = float(first.jaccard(second))
    if jaccard >= MIN_JACCARD:
        return True
    # |A∩B| = J (|A|+|B|) / (1+J); containment of the shorter text in the longer.
    inter = jaccard * (n_first + n_second) / (1 + jaccard)
    return inter / min(n_first, n_second) >= MIN_CONTAINMENT


def order_key(published: str | None, article_id: str) -> tuple[int, str, str]:
    """Processing and 'who is the original' order: dated before undated, earliest first, then id."""
    return (0, published[:19], article_id) if published else (1, "", article_id)


@dataclass
class CopyIndex:
    """LSH band index over signatures; in memory, or backed by the store through the two callbacks."""

    lookup: Callable[[list[int]], Iterable[str]] | None = None  # band keys -> article ids (store mode)
    fetch: Callable[[str], tuple[LeanMinHash, int] | None] | None = None  # id -> signature (store mode)
    bands: dict[int, list[str]] = field(default_factory=dict)
    sigs: dict[str, tuple[LeanMinHash, int]] = field(default_factory=dict)

    def candidates(self, keys: list[int]) -> set[str]:
        found = {aid for key in keys for aid in self.bands.get(key, ())}
        if self.lookup is not None:
            found.update(self.lookup(keys))
        return found

    def signature_of(self, aid: str) -> tuple[LeanMinHash, int] | None:
        if aid in self.sigs:
            return self.sigs[aid]
        return self.fetch(aid) if self.fetch is not None else None

    def add(self, aid: str, sig: LeanMinHash, n_shingles: int, keys: list[int]) -> None:
        self.sigs[aid] = (sig, n_shingles)
        for key in keys:
            self.bands.setdefault(key, []).append(aid)


def link_copies(
    new: Sequence[tuple[str, str | None, str]],
    index: CopyIndex,
    known_copy_of: Callable[[str], str | None] = lambda _a: None,
    key_of: Callable[[str], tuple] | None = None,
) -> dict[str, str]:
    """Find copies among ``new`` (id, published, text) and against what ``index`` already holds.

    Returns {article id: original id} for every article (new or old) whose original changed;
    originals map to nothing. Each new article is added to ``index``.
    """
    keys_of: dict[str, tuple] = {aid: order_key(pub, aid) for aid, pub, _ in new}

    def key(aid: str) -> tuple:
        if aid not in keys_of:
            keys_of[aid] = key_of(aid) if key_of else (2, "", aid)
        return keys_of[aid]

    groups: UnionFind[str] = UnionFind(key=key)

    def find(member: str) -> str:
        return groups.find(known_copy_of(member) or member)

    changed: dict[str, str] = {}
    for aid, _pub, text in sorted(new, key=lambda record: keys_of[record[0]]):
        sig, n_shingles = signature(text)
        keys = band_keys(sig)
        if n_shingles >= MIN_SHINGLES:
            for other in sorted(index.candidates(keys)):
                got = index.signature_of(other)
                if got is not None and other != aid and similar(sig, n_shingles, got[0], got[1]):
                    groups.union(aid, find(other))
        index.add(aid, sig, n_shingles, keys)
    for member in list(groups.parent) + [aid for aid, _, _ in new]:
        root = find(member)
        if root != member and (known_copy_of(member) != root):
            changed[member] = root
    return changed


def find_copies(articles: Sequence[Article]) -> dict[str, str]:
    """{copy id: original id} over in-memory articles (title and text, since a copy keeps both)."""
    rows = [(article.id, article.published, f"{article.title or ''}\n{article.text}") for article in articles]
    return link_copies(rows, CopyIndex())
