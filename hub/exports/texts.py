# Russian words are written in Cyrillic letters, some of which look like Latin ones.
# ruff: noqa: RUF001
"""The words of exports, in English, Russian and Uzbek (Latin script): the title of each kind, each
column's heading (by column key, shared between lists) and the PDF's few labels.

A key with no words here is shown as it is, so a new column never fails an export; the unit test
``test_every_column_has_a_title`` keeps them complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"

# key: (English, Russian, Uzbek)
_WORDS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        # kinds
        "kind:payments": ("Payments and refunds", "Платежи и возвраты", "To'lovlar va qaytarishlar"),
        "kind:sessions": ("Sessions", "Сеансы", "Seanslar"),
        "kind:members": ("Members", "Клиенты", "Mijozlar"),
        "kind:audit": ("Audit log", "Журнал аудита", "Audit jurnali"),
        "kind:shifts": ("Shifts", "Смены", "Smenalar"),
        "kind:products": ("Products", "Товары", "Mahsulotlar"),
        "kind:vouchers": ("Vouchers", "Ваучеры", "Vaucherlar"),
        "kind:commands": ("PC commands", "Команды ПК", "Kompyuter buyruqlari"),
        # PDF labels
        "page": ("Page", "Стр.", "Sahifa"),
        "branch": ("Branch", "Филиал", "Filial"),
        "generated": ("Generated", "Сформирован", "Tuzilgan"),
        "filters": ("Filters", "Фильтры", "Filtrlar"),
        "rows": ("Rows", "Строк", "Qatorlar"),
        "yes": ("yes", "да", "ha"),
        "no": ("no", "нет", "yo'q"),
        # columns
        "col:id": ("ID", "ID", "ID"),
        "col:receipt": ("Receipt", "Чек", "Chek"),
        "col:time": ("Time", "Время", "Vaqt"),
        "col:kind": ("Kind", "Тип", "Turi"),
        "col:purpose": ("Purpose", "Назначение", "Maqsad"),
        "col:method": ("Method", "Способ", "Usul"),
        "col:amount": ("Amount", "Сумма", "Summa"),
        "col:currency": ("Currency", "Валюта", "Valyuta"),
        "col:branch": ("Branch", "Филиал", "Filial"),
        "col:staff": ("Staff", "Сотрудник", "Xodim"),
        "col:member_id": ("Member", "Клиент", "Mijoz"),
        "col:session_id": ("Session", "Сеанс", "Seans"),
        "col:shift_id": ("Shift", "Смена", "Smena"),
        "col:terminal_ref": ("Terminal ref", "Код терминала", "Terminal kodi"),
        "col:refund_of": ("Refund of", "Возврат платежа", "Qaytarilgan to'lov"),
        "col:reason": ("Reason", "Причина", "Sabab"),
        "col:pc_id": ("PC", "ПК", "Kompyuter"),
        "col:state": ("State", "Состояние", "Holat"),
        "col:tariff_id": ("Tariff", "Тариф", "Tarif"),
        "col:created_at": ("Created", "Создан", "Yaratilgan"),
        "col:started_at": ("Started", "Начало", "Boshlangan"),
        "col:ended_at": ("Ended", "Конец", "Tugagan"),
        "col:used_min": ("Minutes used", "Минут", "Daqiqalar"),
        "col:cost": ("Cost", "Стоимость", "Narx"),
        "col:end_reason": ("End reason", "Причина окончания", "Tugash sababi"),
        "col:started_by": ("Started by", "Кто начал", "Kim boshlagan"),
        "col:flags": ("Flags", "Отметки", "Belgilar"),
        "col:review": ("Review", "Проверка", "Tekshiruv"),
        "col:login": ("Login", "Логин", "Login"),
        "col:name": ("Name", "Имя", "Ism"),
        "col:phone": ("Phone", "Телефон", "Telefon"),
        "col:balance": ("Balance", "Баланс", "Balans"),
        "col:secret_kind": ("Secret", "Секрет", "Maxfiy kod"),
        "col:active_session": ("Active session", "Текущий сеанс", "Joriy seans"),
        "col:seq": ("No.", "№", "№"),
        "col:actor": ("Who", "Кто", "Kim"),
        "col:actor_role": ("Role", "Роль", "Rol"),
        "col:action": ("Action", "Действие", "Amal"),
        "col:target": ("Target", "Объект", "Obyekt"),
        "col:outcome": ("Outcome", "Результат", "Natija"),
        "col:ip": ("IP address", "IP-адрес", "IP manzil"),
        "col:hub": ("Hub", "Хаб", "Hab"),
        "col:details": ("Details", "Подробности", "Tafsilotlar"),
        "col:cashier": ("Cashier", "Кассир", "Kassir"),
        "col:opened_at": ("Opened", "Открыта", "Ochilgan"),
        "col:closed_at": ("Closed", "Закрыта", "Yopilgan"),
        "col:opening_float": ("Opening float", "Размен", "Boshlang'ich naqd"),
        "col:cash_expected": ("Cash expected", "Наличные: ожидалось", "Naqd: kutilgan"),
        "col:cash_counted": ("Cash counted", "Наличные: посчитано", "Naqd: sanalgan"),
        "col:cash_difference": ("Cash difference", "Наличные: разница", "Naqd: farq"),
        "col:card_expected": ("Card expected", "Карта: ожидалось", "Karta: kutilgan"),
        "col:card_counted": ("Card counted", "Карта: посчитано", "Karta: sanalgan"),
        "col:card_difference": ("Card difference", "Карта: разница", "Karta: farq"),
        "col:payments": ("Payments", "Платежи", "To'lovlar"),
        "col:refunds": ("Refunds", "Возвраты", "Qaytarishlar"),
        "col:refunds_total": ("Refunds total", "Сумма возвратов", "Qaytarishlar jami"),
        "col:closed_by": ("Closed by", "Кто закрыл", "Kim yopgan"),
        "col:note": ("Note", "Примечание", "Izoh"),
        "col:category": ("Category", "Категория", "Toifa"),
        "col:price": ("Price", "Цена", "Narx"),
        "col:active": ("On sale", "В продаже", "Sotuvda"),
        "col:last4": ("Code (last 4)", "Код (посл. 4)", "Kod (oxirgi 4)"),
        "col:value": ("Value", "Номинал", "Qiymati"),
        "col:payment_id": ("Payment", "Платёж", "To'lov"),
        "col:type": ("Command", "Команда", "Buyruq"),
        "col:text": ("Text", "Текст", "Matn"),
        "col:detail": ("Detail", "Подробности", "Tafsilot"),
        "col:issued_by": ("Issued by", "Кто отправил", "Kim yuborgan"),
        "col:issued_at": ("Issued", "Отправлена", "Yuborilgan"),
        "col:done_at": ("Done", "Выполнена", "Bajarilgan"),
    }
)
_INDEX = {"en": 0, "ru": 1, "uz": 2}


def word(key: str, language: str) -> str:
    """``key``'s words in ``language`` (English when the language is unknown; the key itself when the
    words are missing)."""
    words = _WORDS.get(key)
    if words is None:
        return key.split(":", 1)[-1]
    return words[_INDEX.get(language, _INDEX[DEFAULT_LANGUAGE])]


def column_title(key: str, language: str) -> str:
    return word(f"col:{key}", language)


def kind_title(kind: str, language: str) -> str:
    return word(f"kind:{kind}", language)


def has_title(key: str) -> bool:
    return f"col:{key}" in _WORDS
