"""The lock screen's words in Uzbek (Latin), Russian and English, and how it writes money and time.

Money follows the cafe's currency (so'm without fractions, thousands spaced: "12 000 so'm"); durations
read as a clock ("1:05:09") or in minutes.
"""

from __future__ import annotations

LANGUAGES = ("uz", "ru", "en")
LANGUAGE_NAMES = {"uz": "O‘zbek", "ru": "Русский", "en": "English"}

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "welcome": "Welcome",
        "log_in_to_start": "Log in to start playing",
        "member": "Member",
        "voucher": "Voucher code",
        "login": "Login",
        "password": "Password or PIN",
        "code": "Code",
        "log_in": "Log in",
        "start": "Start",
        "checking": "Checking…",
        "offline": "No connection to the cafe's server: members with a password can still log in",
        "session_over": "Your session is over",
        "over_expired": "Your time is up.",
        "over_offline_credit": "The offline credit is used up.",
        "over_idle": "You were logged out after a while without activity.",
        "over_customer": "You ended your session.",
        "over_staff": "Staff ended your session.",
        "used_cost": "Played {used} · Cost {cost}",
        "maintenance": "Under maintenance",
        "maintenance_text": "This PC is being serviced. Please use another one.",
        "call_staff": "Please call staff",
        "call_staff_text": "This PC is locked. A member of staff will help you.",
        "staff_message": "Message from staff",
        "time_left": "Time left",
        "time_used": "Time used",
        "balance": "Balance",
        "prepaid": "Prepaid",
        "minutes": "{n} min",
        "cost": "Cost so far",
        "price": "Price",
        "hide_price": "Hide",
        "total": "Total",
        "end_session": "End session",
        "confirm_end": "End now? Tap again",
        "warning": "{n} min left",
        "idle_warning": "No activity: logging out in {s} s",
        "offline_short": "Offline",
        "refused_member": "Wrong login or password, or no balance left. Ask at the desk.",
        "unknown_code": "This code is not known. Check it and try again.",
        "code_used_up": "This code is used up.",
        "too_many": "Too many wrong tries. Wait a little or ask at the desk.",
        "codes_need_server": "Codes need the cafe's server, which is unreachable. Ask at the desk.",
        "server_unreachable": "The cafe's server is unreachable. Ask at the desk.",
        "offline_refused": "Wrong login or password, or this account cannot log in while the server is "
        "unreachable.",
        "busy": "A session is already running.",
        "empty_fields": "Type your login and password.",
        "empty_code": "Type the code from your voucher.",
    },
    "ru": {
        "welcome": "Добро пожаловать",
        "log_in_to_start": "Войдите, чтобы начать игру",
        "member": "Клиент",
        "voucher": "Код ваучера",
        "login": "Логин",
        "password": "Пароль или PIN",
        "code": "Код",
        "log_in": "Войти",
        "start": "Начать",
        "checking": "Проверяем…",
        "offline": "Нет связи с сервером клуба: клиенты с паролем всё равно могут войти",
        "session_over": "Сеанс окончен",
        "over_expired": "Ваше время закончилось.",
        "over_offline_credit": "Офлайн-кредит исчерпан.",
        "over_idle": "Сеанс завершён из-за бездействия.",
        "over_customer": "Вы завершили сеанс.",
        "over_staff": "Администратор завершил сеанс.",
        "used_cost": "Сыграно {used} · Стоимость {cost}",
        "maintenance": "Техническое обслуживание",
        "maintenance_text": "Этот компьютер обслуживается. Пожалуйста, выберите другой.",
        "call_staff": "Позовите администратора",
        "call_staff_text": "Компьютер заблокирован. Администратор вам поможет.",
        "staff_message": "Сообщение от администратора",
        "time_left": "Осталось",
        "time_used": "Прошло",
        "balance": "Баланс",
        "prepaid": "Оплачено",
        "minutes": "{n} мин",
        "cost": "Стоимость",
        "price": "Цена",
        "hide_price": "Скрыть",
        "total": "Итого",
        "end_session": "Завершить",
        "confirm_end": "Завершить? Нажмите ещё раз",
        "warning": "Осталось {n} мин",
        "idle_warning": "Нет активности: выход через {s} с",
        "offline_short": "Офлайн",
        "refused_member": "Неверный логин или пароль, либо нет средств. Обратитесь к администратору.",
        "unknown_code": "Такой код не найден. Проверьте и попробуйте снова.",
        "code_used_up": "Этот код уже использован.",
        "too_many": "Слишком много неверных попыток. Подождите или обратитесь к администратору.",
        "codes_need_server": "Для кодов нужен сервер клуба, он недоступен. Обратитесь к администратору.",
        "server_unreachable": "Сервер клуба недоступен. Обратитесь к администратору.",
        "offline_refused": "Неверный логин или пароль, либо эта учётная запись не может войти без сервера.",
        "busy": "Сеанс уже идёт.",
        "empty_fields": "Введите логин и пароль.",
        "empty_code": "Введите код с ваучера.",
    },
    "uz": {
        "welcome": "Xush kelibsiz",
        "log_in_to_start": "O‘yinni boshlash uchun kiring",
        "member": "A’zo",
        "voucher": "Vaucher kodi",
        "login": "Login",
        "password": "Parol yoki PIN",
        "code": "Kod",
        "log_in": "Kirish",
        "start": "Boshlash",
        "checking": "Tekshirilmoqda…",
        "offline": "Klub serveri bilan aloqa yo‘q: parolli a’zolar baribir kira oladi",
        "session_over": "Seans tugadi",
        "over_expired": "Vaqtingiz tugadi.",
        "over_offline_credit": "Oflayn kredit tugadi.",
        "over_idle": "Faollik bo‘lmagani uchun seans yopildi.",
        "over_customer": "Siz seansni yakunladingiz.",
        "over_staff": "Administrator seansni yakunladi.",
        "used_cost": "O‘ynaldi {used} · Narxi {cost}",
        "maintenance": "Texnik xizmat",
        "maintenance_text": "Bu kompyuter ta’mirlanmoqda. Iltimos, boshqasidan foydalaning.",
        "call_staff": "Administratorni chaqiring",
        "call_staff_text": "Kompyuter bloklandi. Administrator sizga yordam beradi.",
        "staff_message": "Administratordan xabar",
        "time_left": "Qolgan vaqt",
        "time_used": "O‘tgan vaqt",
        "balance": "Balans",
        "prepaid": "To‘langan",
        "minutes": "{n} daq",
        "cost": "Hozirgacha narx",
        "price": "Narx",
        "hide_price": "Yopish",
        "total": "Jami",
        "end_session": "Yakunlash",
        "confirm_end": "Yakunlaysizmi? Yana bosing",
        "warning": "{n} daqiqa qoldi",
        "idle_warning": "Faollik yo‘q: {s} soniyadan so‘ng chiqiladi",
        "offline_short": "Oflayn",
        "refused_member": "Login yoki parol noto‘g‘ri, yoki balans yo‘q. Administratorga murojaat qiling.",
        "unknown_code": "Bunday kod topilmadi. Tekshirib, qayta urinib ko‘ring.",
        "code_used_up": "Bu kod ishlatib bo‘lingan.",
        "too_many": "Noto‘g‘ri urinishlar ko‘p. Biroz kuting yoki administratorga murojaat qiling.",
        "codes_need_server": "Kodlar uchun klub serveri kerak, u ishlamayapti. Administratorga "
        "murojaat qiling.",
        "server_unreachable": "Klub serveri ishlamayapti. Administratorga murojaat qiling.",
        "offline_refused": "Login yoki parol noto‘g‘ri, yoki bu hisob server ishlamaganda kira olmaydi.",
        "busy": "Seans allaqachon davom etmoqda.",
        "empty_fields": "Login va parolni kiriting.",
        "empty_code": "Vaucherdagi kodni kiriting.",
    },
}

# The agent's and hub's refusals (English, stable texts) and the message each shows.
REASONS = (
    ("not logged in", "refused_member"),
    ("unknown code", "unknown_code"),
    ("used up", "code_used_up"),
    ("too many", "too_many"),
    ("codes need it", "codes_need_server"),
    ("while the server is unreachable", "offline_refused"),
    ("unreachable", "server_unreachable"),
    ("call staff", "call_staff_text"),
    ("being serviced", "maintenance_text"),
    ("already running", "busy"),
)

CURRENCY_NAMES = {"UZS": {"uz": "so‘m", "ru": "сум", "en": "so'm"}}
# Minor units per major unit of the currencies the lock screen shows without fractions.
EXPONENTS = {"UZS": 2}


def text(language: str, key: str, **values: object) -> str:
    catalogue = CATALOGUE.get(language, CATALOGUE["en"])
    return catalogue.get(key, CATALOGUE["en"][key]).format(**values)


def reason_text(language: str, reason: str) -> str:
    for needle, key in REASONS:
        if needle in reason:
            return text(language, key)
    return reason


def money(amount: int, currency: str, language: str) -> str:
    """Whole units with spaced thousands: 1 200 000 tiyin is "12 000 so'm"."""
    units = amount // 10 ** EXPONENTS.get(currency, 2)
    grouped = f"{units:,}".replace(",", "\u00a0")
    name = CURRENCY_NAMES.get(currency, {}).get(language, currency)
    return f"{grouped}\u00a0{name}"


def clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def over_reason(language: str, reason: str, *, offline: bool = False) -> str:
    if reason == "expired":
        return text(language, "over_offline_credit" if offline else "over_expired")
    if reason == "idle":
        return text(language, "over_idle")
    if reason == "ended by the customer":
        return text(language, "over_customer")
    return text(language, "over_staff")
