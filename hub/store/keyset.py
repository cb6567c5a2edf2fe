"""Reading a long listing (an export, the reconciler) in key-ordered pages instead of one long cursor.

A cursor held open for minutes is dropped by a loaded store, and a retry would start again from the first
row. So every long listing is read as short queries, each sorted by a unique key and resuming strictly
after the last row of the one before: no cursor outlives a page, no row is skipped or read twice however
many rows share a timestamp, and a page that meets a passing store error is read again.

The resume condition is written without ``$or`` or ``$and``, which nx-27017 cannot translate to SQL (it
would filter the whole collection in Python for every page). For keys ``(at, _id)`` after ``(t, i)``: first
the rest of the tie ``{at: t, _id: {$gt: i}}``, then ``{at: {$gt: t}}``, merged into the listing's own
filter. Each page reads one row more than it returns: that row says whether a tie continues past the page,
so the tie's query (a range on ``_id``, which nx-27017 serves without an index) is sent only when one does;
every other page is a range on the leading key, served by its index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError

Document = dict[str, Any]

log = logging.getLogger(__name__)

PAGE_ROWS = 500
# Pauses before reading a page again after a passing store error; then the error is raised.
RETRY_PAUSES_S = (0.5, 1.0, 2.0)


class Findable(Protocol):
    """What is read (a PyMongo ``AsyncCollection``)."""

    def find(self, filter: Mapping[str, Any]) -> Any: ...


def passing(exc: PyMongoError) -> bool:
    """A store error that reading the same page again may not meet: lost connection, timeout."""
    return isinstance(exc, ConnectionFailure | ExecutionTimeout) or exc.timeout


async def keyed_pages(
    collection: Findable,
    query: Mapping[str, Any],
    keys: Sequence[str],
    *,
    page: int = PAGE_ROWS,
    pauses: Sequence[float] = RETRY_PAUSES_S,
) -> AsyncIterator[Document]:
    """Every document matching ``query``, in ascending order of ``keys`` (fields every document has, the
    last of them unique, such as ``_id``), read ``page`` at a time."""
    order = [(key, ASCENDING) for key in keys]
    last: tuple[Any, ...] | None = None
    level = 0  # the key ranged over: keys[:level] equal to the last row's, keys[level] after it
    while True:
        where = dict(query) if last is None else _after(query, keys, last, level)
        docs = await _read(collection, where, order, page + 1, pauses)
        rows = docs[:page]
        for doc in rows:
            yield doc
        if rows:
            last = _key(rows[-1], keys)
        if len(docs) > page and last is not None:
            level = _first_difference(last, _key(docs[page], keys), keys)
        elif level == 0:
            return
        else:
            level -= 1  # this tie is done: on to the next value of the key before


def _key(doc: Document, keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple(doc.get(key) for key in keys)


def _first_difference(last: tuple[Any, ...], following: tuple[Any, ...], keys: Sequence[str]) -> int:
    for level, (a, b) in enumerate(zip(last, following, strict=True)):
        if a != b:
            return level
    raise ValueError(f"two documents share the key {list(keys)}: its last field must be unique")


def _after(query: Mapping[str, Any], keys: Sequence[str], last: tuple[Any, ...], level: int) -> Document:
    """``query`` narrowed to the documents whose ``keys[:level]`` equal ``last``'s and whose
    ``keys[level]`` follows it."""
    if None in last:
        # Nothing resumes portably after a missing key: nx-27017 matches null unlike MongoDB. The
        # repositories write every key field, so a document without one is damaged: say so, lose nothing.
        raise ValueError(f"a document without its key {list(keys)} (read {last}): every one must have it")
    where = dict(query)
    for key, value in zip(keys[:level], last[:level], strict=True):
        where[key] = value  # a value some matching document has, so within any condition it replaces
    where[keys[level]] = _after_value(where.get(keys[level]), last[level])
    return where


def _after_value(condition: Any, value: Any) -> Any:
    """``condition`` on a field (None: no condition) and ``$gt: value``, in one operator document: nx-27017
    serves neither ``$and`` nor ``$or`` by an index."""
    if condition is None:
        return {"$gt": value}
    if isinstance(condition, Mapping) and all(str(op).startswith("$") for op in condition):
        merged = dict(condition)
        merged["$gt"] = max(merged["$gt"], value) if "$gt" in merged else value
        return merged
    return {"$eq": condition, "$gt": value}


async def _read(
    collection: Findable, where: Document, order: list[tuple[str, int]], limit: int, pauses: Sequence[float]
) -> list[Document]:
    """One page, in one reply (the batch is the page: no cursor stays open on the store)."""
    attempt = 0
    while True:
        try:
            cursor = collection.find(where).sort(order).limit(limit).batch_size(limit)
            return [doc async for doc in cursor]
        except PyMongoError as exc:
            if attempt == len(pauses) or not passing(exc):
                raise
            log.warning("a page of a listing failed (%s); reading it again in %.1f s", exc, pauses[attempt])
            await asyncio.sleep(pauses[attempt])
            attempt += 1
