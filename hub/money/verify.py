"""``icafe ledger verify``: recompute every balance from the transactions and check each invariant the
ledger promises. The ledger is the truth; this says whether the truth is consistent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterable
from dataclasses import dataclass, field

from billing.ledger import GUARDED, LedgerError, Posting, balance_of, kind_of, trial_balance
from hub.store.transactions import Document, LedgerTransaction, Slot, TxKind


@dataclass
class LedgerReport:
    transactions: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, int] = field(default_factory=dict)  # branch -> last receipt number
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _dense(numbers: list[int]) -> bool:
    return sorted(numbers) == list(range(1, len(numbers) + 1))


def _chain_problems(account: str, chain: list[tuple[int, int, int]], balance: int) -> list[str]:
    """A guarded account's sequence must be 1..n, each recorded balance the previous one plus the
    transaction's change, and the last one the balance recomputed from all lines."""
    chain.sort()
    if not _dense([seq for seq, _, _ in chain]):
        return [f"{account}: its sequence has gaps or repeats"]
    problems, running = [], 0
    for seq, change, after in chain:
        running += change
        if after != running:
            problems.append(f"{account} #{seq}: recorded balance {after}, the lines give {running}")
            running = after
    if chain[-1][2] != balance:
        problems.append(f"{account}: its sequence ends at {chain[-1][2]}, its lines sum to {balance}")
    return problems


async def verify_ledger(documents: AsyncIterable[Document]) -> LedgerReport:
    """``documents``: the ledger as stored (``LedgerRepository.scan``), however damaged."""
    report = LedgerReport()
    postings: list[Posting] = []
    # Each member's and voucher's sequence: (seq, change, balance after) per transaction.
    chains: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    receipts: dict[str, list[int]] = defaultdict(list)
    payments: dict[str, int] = {}
    refunded: dict[str, int] = defaultdict(int)
    async for doc in documents:
        report.transactions += 1
        try:
            tx = LedgerTransaction.from_document(doc)
        except (LedgerError, KeyError, TypeError, ValueError) as exc:
            report.problems.append(f"transaction {doc.get('_id')}: unreadable ({exc!r})")
            continue
        if not tx.currency:
            report.problems.append(f"transaction {tx.id}: no currency")
        postings.append(tx.posting)
        for account, change in tx.posting.guarded_changes().items():
            position = tx.position(Slot(kind_of(account).value))
            if position is None or position.key != account or position.running is None:
                report.problems.append(f"transaction {tx.id}: {account} is not in its sequence")
                continue
            chains[account].append((position.number, change, position.running))
        receipt = tx.position(Slot.RECEIPT)
        if receipt is not None:
            receipts[receipt.key].append(receipt.number)
        if tx.kind is TxKind.PAYMENT:
            payments[tx.id] = tx.amount
        if tx.kind is TxKind.REFUND and tx.refund_of is not None:
            refunded[tx.refund_of] += tx.amount
    sums = trial_balance(postings)
    if sum(sums.values()) != 0:
        report.problems.append(f"the accounts sum to {sum(sums.values())}, not 0")
    report.balances = {account: balance_of(account, total) for account, total in sorted(sums.items())}
    for account, value in report.balances.items():
        if kind_of(account) in GUARDED and value < 0:
            report.problems.append(f"{account} is below zero: {value}")
    for account, chain in sorted(chains.items()):
        report.problems += _chain_problems(account, chain, report.balances.get(account, 0))
    for branch, numbers in sorted(receipts.items()):
        report.receipts[branch] = max(numbers)
        if not _dense(numbers):
            report.problems.append(f"branch {branch}: receipt numbers have gaps or duplicates")
    for payment_id, total in sorted(refunded.items()):
        paid = payments.get(payment_id)
        if paid is None:
            report.problems.append(f"refunds of {payment_id}, which is not a payment")
        elif total > paid:
            report.problems.append(f"payment {payment_id}: refunded {total} of {paid}")
    return report
