import { registerMessages } from "../../app/i18n";
// The shared words (errors, methods, buttons) come with every screen that uses them.
import "../common/messages";

const en = {
  title: "Branch settings",
  receipt: "On receipts",
  name: "Branch name",
  address: "Address",
  taxId: "Tax id (INN)",
  phone: "Phone",
  locale: "Money, language and time",
  currency: "Currency",
  language: "Language of receipts and new staff",
  timezone: "Timezone",
  timezoneHint: "Receipts, reports and tariffs' time windows follow this clock",
  methods: "Payment methods the cashiers may take",
  methodsHint: "At least one",
  logo: "Logo on the PCs' lock screens",
  logoHint: "A PNG of at most 6 KiB",
  logoChoose: "Choose a PNG…",
  logoRemove: "Remove",
  logoTooBig: "The file is {{size}} KiB: at most 6 KiB",
  logoNotPng: "Only a PNG image",
  save: "Save settings",
  saved: "Saved. New receipts and the PCs use these settings now.",
  currencyWarning: "Changing the currency does not convert amounts already recorded: only change it before taking money.",
};

export type SettingsMessages = typeof en;

const ru: SettingsMessages = {
  title: "Настройки филиала",
  receipt: "На чеках",
  name: "Название филиала",
  address: "Адрес",
  taxId: "ИНН",
  phone: "Телефон",
  locale: "Деньги, язык и время",
  currency: "Валюта",
  language: "Язык чеков и новых сотрудников",
  timezone: "Часовой пояс",
  timezoneHint: "По этим часам чеки, отчёты и временные окна тарифов",
  methods: "Способы оплаты, которые принимают кассиры",
  methodsHint: "Хотя бы один",
  logo: "Логотип на экранах блокировки ПК",
  logoHint: "PNG не больше 6 КиБ",
  logoChoose: "Выбрать PNG…",
  logoRemove: "Убрать",
  logoTooBig: "Файл {{size}} КиБ: не больше 6 КиБ",
  logoNotPng: "Только изображение PNG",
  save: "Сохранить настройки",
  saved: "Сохранено. Новые чеки и ПК уже используют эти настройки.",
  currencyWarning: "Смена валюты не пересчитывает уже записанные суммы: меняйте её только до приёма денег.",
};

const uz: SettingsMessages = {
  title: "Filial sozlamalari",
  receipt: "Cheklarda",
  name: "Filial nomi",
  address: "Manzil",
  taxId: "STIR (INN)",
  phone: "Telefon",
  locale: "Pul, til va vaqt",
  currency: "Valyuta",
  language: "Cheklar va yangi xodimlar tili",
  timezone: "Vaqt mintaqasi",
  timezoneHint: "Cheklar, hisobotlar va tariflarning vaqt oraliqlari shu soat bo'yicha",
  methods: "Kassirlar qabul qiladigan to'lov usullari",
  methodsHint: "Kamida bittasi",
  logo: "Kompyuterlarning qulf ekranidagi logotip",
  logoHint: "Ko'pi bilan 6 KiB hajmli PNG",
  logoChoose: "PNG tanlash…",
  logoRemove: "Olib tashlash",
  logoTooBig: "Fayl {{size}} KiB: ko'pi bilan 6 KiB",
  logoNotPng: "Faqat PNG rasm",
  save: "Sozlamalarni saqlash",
  saved: "Saqlandi. Yangi cheklar va kompyuterlar endi shu sozlamalardan foydalanadi.",
  currencyWarning: "Valyutani o'zgartirish yozilgan summalarni qayta hisoblamaydi: uni faqat pul qabul qilishdan oldin o'zgartiring.",
};

registerMessages("settings", { en, ru, uz });
