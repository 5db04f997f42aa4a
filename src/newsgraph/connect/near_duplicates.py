"""Near-duplicates: MinHash signatures of a body's word shingles, cut into LSH bands.

Pure functions; the store keeps the bands in an indexed table, so finding the candidates of a new article is one
indexed query, and ``jaccard`` on the stored signatures confirms them. datasketch does the hashing (its MinHash
is well tested and fast); only the band keys are ours, because they must be stable strings for a database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash
from numpy.typing import NDArray

_WORD = re.compile(r"\w+", re.UNICODE)
_SCHEME = "affine32"


@dataclass(frozen=True, slots=True)
class NearDupParams:
    """``bands * rows`` must equal ``num_perm``. With 32 bands of 4 rows a pair at Jaccard 0.6 is a candidate
    with probability 0.99, at 0.2 with 0.05; ``threshold`` then decides on the estimated Jaccard."""

    num_perm: int = 128
    bands: int = 32
    shingle: int = 5
    threshold: float = 0.5
    seed: int = 1

    def __post_init__(self) -> None:
        if self.bands < 1 or self.num_perm % self.bands:
            raise ValueError(f"num_perm={self.num_perm} is not a multiple of bands={self.bands}: "
                             f"pick bands among the divisors of num_perm (e.g. 16, 32, 64 for 128)")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold={self.threshold} must be a Jaccard similarity in (0, 1], e.g. 0.5")
        if self.shingle < 1:
            raise ValueError(f"shingle={self.shingle} must be a positive number of words, e.g. 5")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


DEFAULT_PARAMS = NearDupParams()


def shingles(text: str, size: int = DEFAULT_PARAMS.shingle) -> set[bytes]:
    """Distinct lower-cased word n-grams; a text shorter than ``size`` words is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@lru_cache(maxsize=8)
def _template(num_perm: int, seed: int) -> MinHash:
    # Building the permutations is the slow part of MinHash(); every signature copies one template.
    return MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME)


def minhash(text: str, params: NearDupParams = DEFAULT_PARAMS) -> MinHash:
    m = _template(params.num_perm, params.seed).copy()
    grams = shingles(text, params.shingle)
    if grams:
        m.update_batch(list(grams))
    return m


def bands(m: MinHash, params: NearDupParams = DEFAULT_PARAMS) -> list[tuple[int, str]]:
    """(band number, 16-hex-digit key of that band's hash values); equal keys make a candidate pair."""
    if len(m) != params.num_perm:
        raise ValueError(f"signature has {len(m)} permutations but params expect {params.num_perm}: "
                         "use the same NearDupParams for signing and banding")
    values = np.asarray(m.hashvalues, dtype=np.uint64)  # 8 bytes a value, as the keys were first made: stored keys
    r = params.rows                                     # must not change
    return [(b, hashlib.blake2b(values[b * r:(b + 1) * r].tobytes(), digest_size=8).hexdigest())
            for b in range(params.bands)]


def signature_bytes(m: MinHash) -> bytes:
    """The hash values as stored: 4 bytes each, as the affine32 scheme makes them. Stores written before kept
    them in 8 (the same values widened, a signature of 1 KiB spilling to an overflow page on SQLite);
    ``signature_values`` reads both."""
    return np.asarray(m.hashvalues, dtype=np.uint32).tobytes()


def signature_values(data: bytes, num_perm: int = DEFAULT_PARAMS.num_perm) -> NDArray[np.unsignedinteger[Any]]:
    """A stored signature's hash values, from either width ``signature_bytes`` has written."""
    if len(data) == 4 * num_perm:
        return np.frombuffer(data, dtype=np.uint32)
    if len(data) == 8 * num_perm:
        return np.frombuffer(data, dtype=np.uint64)
    raise ValueError(f"a signature of {len(data)} bytes is not {num_perm} hash values of 4 or 8 bytes: "
                     "use the NearDupParams the store was written with")


def from_signature(data: bytes, params: NearDupParams = DEFAULT_PARAMS) -> MinHash:
    values = signature_values(data, params.num_perm).astype(np.uint32)
    template = _template(params.num_perm, params.seed)
    return MinHash(hashvalues=values, seed=params.seed, permutations=template.permutations, scheme=_SCHEME)


def jaccard(a: MinHash, b: MinHash) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(a.jaccard(b))


def signature_jaccard(a: bytes, b: bytes, num_perm: int = DEFAULT_PARAMS.num_perm) -> float:
    """``jaccard`` on stored signatures, without rebuilding MinHash objects (the share of equal hash values)."""
    return values_jaccard(signature_values(a, num_perm), signature_values(b, num_perm))


def values_jaccard(a: NDArray[np.unsignedinteger[Any]], b: NDArray[np.unsignedinteger[Any]]) -> float:
    """``signature_jaccard`` on signatures already read (``signature_values``): a bucket compares each with many."""
    return float(np.count_nonzero(a == b)) / float(a.size)
