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
        "kind:stock": ("Stock on hand", "Остатки на складе", "Ombordagi qoldiq"),
        "kind:stock_movements": ("Stock movements", "Движения товаров", "Tovar harakatlari"),
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
        "col:member_id": ("Member ID", "ID клиента", "Mijoz ID"),
        "col:member_login": ("Member", "Клиент", "Mijoz"),
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
        # reports (hub.exports.reports): their titles, their sections' and their columns'
        "kind:report_takings": ("Takings report", "Отчёт: выручка", "Hisobot: tushum"),
        "kind:report_revenue": ("Revenue report", "Отчёт: доходы", "Hisobot: daromad"),
        "kind:report_usage": ("Usage report", "Отчёт: загрузка", "Hisobot: foydalanish"),
        "kind:report_members": ("Members report", "Отчёт: клиенты", "Hisobot: mijozlar"),
        "kind:report_staff": ("Staff report", "Отчёт: сотрудники", "Hisobot: xodimlar"),
        "kind:report_inventory": ("Inventory report", "Отчёт: склад", "Hisobot: ombor"),
        "section:totals": ("Totals", "Итоги", "Jami"),
        "section:held": ("Money in and balances held", "Поступления и остатки", "Tushumlar va qoldiqlar"),
        "section:by_method": ("By method", "По способу оплаты", "To'lov usuli bo'yicha"),
        "section:by_purpose": ("By purpose", "По назначению", "Maqsad bo'yicha"),
        "section:by_staff": ("By staff member", "По сотрудникам", "Xodimlar bo'yicha"),
        "section:by_shift": ("By shift", "По сменам", "Smenalar bo'yicha"),
        "section:by_period": ("By period", "По периодам", "Davrlar bo'yicha"),
        "section:by_product": ("Goods by product", "Товары по позициям", "Mahsulotlar bo'yicha"),
        "section:by_zone": ("By zone", "По зонам", "Zonalar bo'yicha"),
        "section:by_kind": ("By kind", "По типу", "Turi bo'yicha"),
        "section:pcs_by_hours": ("PCs by time used", "ПК по времени", "Kompyuterlar: vaqt"),
        "section:pcs_by_revenue": ("PCs by revenue", "ПК по выручке", "Kompyuterlar: tushum"),
        "section:idle_pcs": ("Idle PCs", "Простаивающие ПК", "Bo'sh turgan kompyuterlar"),
        "section:heatmap": ("Occupancy by hour", "Загрузка по часам", "Soatlar bo'yicha bandlik"),
        "section:new_by_period": ("New members", "Новые клиенты", "Yangi mijozlar"),
        "section:top_by_spend": ("Top by spend", "Лучшие по тратам", "Sarf bo'yicha eng yaxshi"),
        "section:top_by_hours": ("Top by time", "Лучшие по времени", "Vaqt bo'yicha eng yaxshi"),
        "section:balances": ("Balances at the end", "Балансы на конец", "Oxiridagi balanslar"),
        "section:staff": ("Staff", "Сотрудники", "Xodimlar"),
        "section:movements": ("Movements", "Движения", "Harakatlar"),
        "section:products": ("Products", "Товары", "Mahsulotlar"),
        "section:sales": ("Sales by product", "Продажи по товарам", "Mahsulotlar bo'yicha sotuv"),
        "section:low_stock": ("Low stock", "Заканчивается", "Kam qolgan"),
        "col:total": ("Total", "Итого", "Jami"),
        "col:paid": ("Paid", "Оплачено", "To'langan"),
        "col:refunded": ("Refunded", "Возвращено", "Qaytarilgan"),
        "col:net": ("Net", "Чистая сумма", "Sof summa"),
        "col:period": ("Period from", "Период с", "Davr boshi"),
        "col:earned_time": ("Earned: PC time", "Доход: время ПК", "Daromad: vaqt"),
        "col:earned_products": ("Earned: goods", "Доход: товары", "Daromad: mahsulot"),
        "col:earned_total": ("Earned", "Доход", "Daromad"),
        "col:uncollected": ("Uncollected", "Не оплачено", "Undirilmagan"),
        "col:adjustments": ("Adjustments", "Корректировки", "Tuzatishlar"),
        "col:topups": ("Top-ups", "Пополнения", "To'ldirishlar"),
        "col:vouchers_sold": ("Vouchers sold", "Продано ваучеров", "Sotilgan vaucherlar"),
        "col:vouchers_redeemed": ("Vouchers redeemed", "Погашено ваучеров", "Ishlatilgan vaucherlar"),
        "col:outstanding_members": ("Held by members", "На балансах клиентов", "Mijozlar balansida"),
        "col:outstanding_vouchers": ("Held by vouchers", "На ваучерах", "Vaucherlarda"),
        "col:outstanding_at": ("Balances at", "Балансы на", "Balanslar vaqti"),
        "col:pc_time": ("PC time", "Время ПК", "Kompyuter vaqti"),
        "col:goods": ("Goods", "Товары", "Mahsulotlar"),
        "col:product_id": ("Product", "Товар", "Mahsulot"),
        "col:quantity": ("Quantity", "Количество", "Miqdor"),
        "col:zone": ("Zone", "Зона", "Zona"),
        "col:sessions": ("Sessions", "Сеансы", "Seanslar"),
        "col:used_ms": ("Time used", "Использовано времени", "Ishlatilgan vaqt"),
        "col:average_ms": ("Average session", "Средний сеанс", "O'rtacha seans"),
        "col:priced": ("Priced", "Начислено", "Hisoblangan"),
        "col:open": ("Still open", "Ещё идут", "Davom etmoqda"),
        "col:weekday": ("Weekday (Mon 0)", "День недели (пн 0)", "Hafta kuni (du 0)"),
        "col:hour": ("Hour", "Час", "Soat"),
        "col:occupied_ms": ("PC time used", "Занято ПК", "Band kompyuter vaqti"),
        "col:share": ("Share of PCs", "Доля ПК", "Kompyuterlar ulushi"),
        "col:new": ("New", "Новые", "Yangi"),
        "col:active_members": ("Active", "Активные", "Faol"),
        "col:members": ("Members", "Клиенты", "Mijozlar"),
        "col:balances_members": ("Members with a balance", "Клиенты с балансом", "Balansli mijozlar"),
        "col:balances_total": ("Balances", "Сумма балансов", "Balanslar jami"),
        "col:spend": ("Spend", "Траты", "Sarf"),
        "col:at_least": ("From", "От", "Dan"),
        "col:below": ("Below", "До", "Gacha"),
        "col:shifts": ("Shifts", "Смены", "Smenalar"),
        "col:open_shifts": ("Open shifts", "Открытые смены", "Ochiq smenalar"),
        "col:over_short": ("Over / short", "Излишек / недостача", "Ortiqcha / kamomad"),
        "col:takings": ("Takings", "Выручка", "Tushum"),
        "col:unlocks": ("Manual unlocks", "Ручные разблокировки", "Qo'lda ochishlar"),
        "col:stops": ("Sessions stopped", "Остановленные сеансы", "To'xtatilgan seanslar"),
        "col:on_hand_value": ("Stock value", "Стоимость остатка", "Qoldiq qiymati"),
        "col:revenue": ("Takings", "Выручка", "Tushum"),
        "col:cost_of_sales": ("Cost of sales", "Себестоимость продаж", "Sotuv tannarxi"),
        "col:margin": ("Margin", "Маржа", "Marja"),
        "col:opening": ("Opening", "На начало", "Boshida"),
        "col:closing": ("Closing", "На конец", "Oxirida"),
        "col:closing_value": ("Closing value", "Стоимость на конец", "Oxiridagi qiymat"),
        "col:sold": ("Sold", "Продано", "Sotilgan"),
        "col:on_hand": ("On hand", "Остаток", "Qoldiq"),
        "col:low_level": ("Low at", "Порог", "Chegara"),
        "col:stock_value": ("Stock value", "Стоимость остатка", "Qoldiq qiymati"),
        # stock (hub.exports.lists: StockRows, MovementRows)
        "col:average_cost": ("Average cost", "Средняя себестоимость", "O'rtacha tannarx"),
        "col:last_cost": ("Last cost", "Последняя закупка", "Oxirgi xarid narxi"),
        "col:low": ("Low", "Мало", "Kam"),
        "col:last_moved_at": ("Last moved", "Последнее движение", "Oxirgi harakat"),
        "col:value_at_cost": ("At cost", "По себестоимости", "Tannarx bo'yicha"),
        "col:unit_cost": ("Unit cost", "Цена закупки", "Birlik tannarxi"),
        "col:counted_by": ("Counted by", "Кто считал", "Kim sanagan"),
        "col:counterpart": ("Other branch", "Другой филиал", "Boshqa filial"),
        "col:ref": ("Reference", "Основание", "Asos"),
        "col:voided": ("Voids", "Отменяет", "Bekor qiladi"),
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
