"""Counting documents with the count command.

PyMongo's ``count_documents`` runs an aggregation (``$match`` then ``$group``), which the embedded store
answers by loading every matching document into Python; the count command lets it count in SQL (at 2,000
PCs, 75 ms against 2 ms: ``bench/store_reads.py``, in the README's Benchmarks). On MongoDB the command
with a filter counts the matching documents (exact outside a sharded cluster's migrations); without one it
reads the collection's metadata, as ``estimated_document_count`` does, which is exact except after a
node's unclean shutdown; the counts a rule rests on (the last active owner) always filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


async def count_matching(collection: AsyncCollection[Document], query: Mapping[str, Any]) -> int:
    if not query:
        return await collection.estimated_document_count()
    reply = await collection.database.command("count", collection.name, query=dict(query))
    return int(reply["n"])
