/** Navigation labels of the money and back-office screens (in the main chunk: the menu shows them before a screen loads). */
import { registerMessages } from "../../app/i18n";

const en = {
  pos: "Sale",
  vouchers: "Vouchers",
  payments: "Payments",
  shift: "Shift",
  shifts: "Shifts",
  tariffs: "Tariffs & zones",
  products: "Products",
  settings: "Branch settings",
  users: "Staff",
  audit: "Audit log",
  pcDetails: "PC details: telemetry, commands",
};

export type ScreenMessages = typeof en;

const ru: ScreenMessages = {
  pos: "Продажа",
  vouchers: "Ваучеры",
  payments: "Платежи",
  shift: "Смена",
  shifts: "Смены",
  tariffs: "Тарифы и зоны",
  products: "Товары",
  settings: "Настройки филиала",
  users: "Сотрудники",
  audit: "Журнал аудита",
  pcDetails: "О ПК: телеметрия, команды",
};

const uz: ScreenMessages = {
  pos: "Sotuv",
  vouchers: "Vaucherlar",
  payments: "To'lovlar",
  shift: "Smena",
  shifts: "Smenalar",
  tariffs: "Tariflar va zonalar",
  products: "Mahsulotlar",
  settings: "Filial sozlamalari",
  users: "Xodimlar",
  audit: "Audit jurnali",
  pcDetails: "Kompyuter haqida: telemetriya, buyruqlar",
};

registerMessages("screens", { en, ru, uz });
