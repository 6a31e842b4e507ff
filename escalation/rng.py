"""Seeding helpers: one way to turn a user's ``seed`` into reproducible streams.

A leaf module. Monte Carlo work is cut into chunks of a fixed size; chunk ``i`` draws from
``SeedSequence(entropy, spawn_key=(i,))`` so that results depend on the seed and the number
of runs only, never on how chunks are spread over workers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SeedLike", "seed_entropy", "chunk_generator"]

SeedLike = None | int | np.random.SeedSequence | np.random.Generator


def seed_entropy(seed: SeedLike) -> int:
    """Normalise a user seed to the integer entropy that reproduces the run.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        ``None`` draws fresh entropy from the operating system; an int is used as is; a
        SeedSequence gives its entropy (its spawn key must be empty); a Generator is asked
        for 128 random bits, so the same Generator state gives the same entropy.

    Returns
    -------
    int
        Non-negative entropy; record it to repeat the run.

    Raises
    ------
    ValueError
        For a negative int or a SeedSequence that is itself a spawned child.
    TypeError
        For anything else.
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be None, an int, a SeedSequence or a Generator, found {seed!r}")
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, found {seed}")
        return int(seed)
    if isinstance(seed, np.random.SeedSequence):
        if seed.spawn_key:
            raise ValueError("seed: a spawned SeedSequence cannot be used as a root seed")
        ent = seed.entropy
        if isinstance(ent, (int, np.integer)):
            return int(ent)
        raise ValueError("seed: only SeedSequences with integer entropy are supported")
    if isinstance(seed, np.random.Generator):
        return int.from_bytes(seed.bytes(16), "little")
    raise TypeError(f"seed must be None, an int, a SeedSequence or a Generator, found {type(seed).__name__}")


def chunk_generator(entropy: int, chunk: int) -> np.random.Generator:
    """Return the Generator of Monte Carlo chunk ``chunk`` under root ``entropy``.

    Parameters
    ----------
    entropy : int
        Root entropy from :func:`seed_entropy`.
    chunk : int
        0-based chunk index.

    Returns
    -------
    numpy.random.Generator
        PCG64 generator seeded by ``SeedSequence(entropy, spawn_key=(chunk,))``.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(chunk,))))
