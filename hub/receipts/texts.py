"""Every label printed on receipts and shift reports, in Uzbek (Latin script), Russian and English.

Each language is one flat dict with the same keys. An unknown language falls back to English; an unknown
method or purpose code is printed as it is rather than failing a receipt.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"

EN: Mapping[str, str] = MappingProxyType(
    {
        # Receipt
        "receipt_payment": "Receipt",
        "receipt_refund": "Refund receipt",
        "number": "No.",
        "date": "Date",
        "staff": "Cashier",
        "method": "Payment method",
        "method_cash": "Cash",
        "method_card": "Card",
        "method_balance": "Member balance",
        "method_voucher": "Voucher",
        "purpose_topup": "Balance top-up",
        "purpose_session": "PC session",
        "purpose_sale": "Products",
        "purpose_voucher": "Voucher",
        "description": "Item",
        "quantity": "Qty",
        "price": "Price",
        "amount": "Amount",
        "total": "Total",
        "terminal_ref": "Terminal approval ref",
        "voucher": "Voucher",
        "member": "Member",
        "balance_after": "Balance after",
        "refund_of": "Refund of receipt No.",
        "reason": "Reason",
        "tax_id": "Tax ID",
        "phone": "Phone",
        "payment_id": "Payment ID",
        "thank_you": "Thank you for your visit!",
        # Shift report
        "shift_title": "Shift report",
        "shift": "Shift",
        "cashier": "Cashier",
        "opened": "Opened",
        "closed": "Closed",
        "opening_float": "Opening float",
        "expected": "Expected",
        "counted": "Counted",
        "difference": "Difference",
        "payments_count": "Payments",
        "refunds": "Refunds",
        "refunds_count": "Refunds",
        "refunds_total": "Refunds total",
        "by_purpose": "Totals by purpose",
        "unpaid_sessions": "Unpaid guest sessions",
        "not_counted": "not counted",
        "closed_by": "Closed by",
        "note": "Note",
        "signature_cashier": "Cashier's signature",
        "signature_manager": "Manager's signature",
    }
)

UZ: Mapping[str, str] = MappingProxyType(
    {
        "receipt_payment": "Chek",
        "receipt_refund": "Qaytarish cheki",
        "number": "№",
        "date": "Sana",
        "staff": "Kassir",
        "method": "To'lov usuli",
        "method_cash": "Naqd pul",
        "method_card": "Bank kartasi",
        "method_balance": "Mijoz balansi",
        "method_voucher": "Vaucher",
        "purpose_topup": "Balansni to'ldirish",
        "purpose_session": "Kompyuter seansi",
        "purpose_sale": "Mahsulotlar",
        "purpose_voucher": "Vaucher",
        "description": "Nomi",
        "quantity": "Soni",
        "price": "Narxi",
        "amount": "Summa",
        "total": "Jami",
        "terminal_ref": "Terminal tasdiq kodi",
        "voucher": "Vaucher",
        "member": "Mijoz",
        "balance_after": "Yangi balans",
        "refund_of": "Qaytarilgan chek №",
        "reason": "Sabab",
        "tax_id": "STIR",
        "phone": "Tel.",
        "payment_id": "To'lov ID",
        "thank_you": "Tashrifingiz uchun rahmat!",
        "shift_title": "Smena hisoboti",
        "shift": "Smena",
        "cashier": "Kassir",
        "opened": "Ochilgan",
        "closed": "Yopilgan",
        "opening_float": "Boshlang'ich qoldiq",
        "expected": "Kutilgan",
        "counted": "Sanalgan",
        "difference": "Farq",
        "payments_count": "To'lovlar soni",
        "refunds": "Qaytarishlar",
        "refunds_count": "Qaytarishlar soni",
        "refunds_total": "Qaytarishlar summasi",
        "by_purpose": "Maqsadlar bo'yicha jami",
        "unpaid_sessions": "To'lanmagan mehmon seanslari",
        "not_counted": "sanalmagan",
        "closed_by": "Smenani yopgan",
        "note": "Izoh",
        "signature_cashier": "Kassir imzosi",
        "signature_manager": "Administrator imzosi",
    }
)

RU: Mapping[str, str] = MappingProxyType(
    {
        "receipt_payment": "Чек",
        "receipt_refund": "Чек возврата",
        "number": "№",
        "date": "Дата",
        "staff": "Кассир",
        "method": "Способ оплаты",
        "method_cash": "Наличные",
        "method_card": "Банковская карта",
        "method_balance": "Баланс клиента",
        "method_voucher": "Ваучер",
        "purpose_topup": "Пополнение баланса",
        "purpose_session": "Сеанс за компьютером",
        "purpose_sale": "Товары",
        "purpose_voucher": "Ваучер",
        "description": "Наименование",
        "quantity": "Кол-во",
        "price": "Цена",
        "amount": "Сумма",
        "total": "Итого",
        "terminal_ref": "Код авторизации",
        "voucher": "Ваучер",
        "member": "Клиент",
        "balance_after": "Баланс после операции",
        "refund_of": "Возврат по чеку №",
        "reason": "Причина",
        "tax_id": "ИНН",
        "phone": "Тел.",
        "payment_id": "ID платежа",
        "thank_you": "Спасибо за визит!",
        "shift_title": "Сменный отчёт",
        "shift": "Смена",
        "cashier": "Кассир",
        "opened": "Открыта",
        "closed": "Закрыта",
        "opening_float": "Размен на начало смены",
        "expected": "Ожидается",
        "counted": "Фактически",
        "difference": "Расхождение",
        "payments_count": "Количество платежей",
        "refunds": "Возвраты",
        "refunds_count": "Количество возвратов",
        "refunds_total": "Сумма возвратов",
        "by_purpose": "Итоги по назначению",
        "unpaid_sessions": "Неоплаченные гостевые сеансы",
        "not_counted": "не пересчитывается",
        "closed_by": "Кем закрыта",
        "note": "Примечание",
        "signature_cashier": "Подпись кассира",
        "signature_manager": "Подпись администратора",
    }
)

LANGUAGES: Mapping[str, Mapping[str, str]] = MappingProxyType({"uz": UZ, "ru": RU, "en": EN})


def texts(language: str) -> Mapping[str, str]:
    """All labels in ``language``, or in English when that language is unknown."""
    return LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE])


def method_name(method: str, language: str) -> str:
    """A payment method's name ("cash", "card", "balance", "voucher"); the code itself when unknown."""
    return texts(language).get(f"method_{method}", method)


def purpose_name(purpose: str, language: str) -> str:
    """A payment purpose's name ("topup", "session", "sale", "voucher"); the code itself when unknown."""
    return texts(language).get(f"purpose_{purpose}", purpose)
