import { registerMessages } from "../../app/i18n";

const en = {
  button: "Export",
  menu: "Export as",
  formats: { csv: "CSV (for programs)", xlsx: "Excel spreadsheet (XLSX)", pdf: "PDF (to print)" },
  kinds: { payments: "Payments", sessions: "Sessions", members: "Members", audit: "Audit log", shifts: "Shifts", products: "Products", vouchers: "Vouchers", commands: "PC commands", stock: "Stock on hand", stock_movements: "Stock movements", report_takings: "Takings report", report_revenue: "Revenue report", report_usage: "Usage report", report_members: "Members report", report_staff: "Staff report", report_inventory: "Inventory report" },
  title: "{{kind}} · {{format}}",
  queued: "Waiting to start…",
  running: "{{rows}} of {{total}} rows",
  done: "Ready: {{rows}} rows",
  expired: "The file was deleted: export it again",
  download: "Download",
  retry: "Retry",
  close: "Close",
  failedToStart: "The export did not start: {{message}}",
};

export type ExportMessages = typeof en;

const ru: ExportMessages = {
  button: "Экспорт",
  menu: "Экспортировать как",
  formats: { csv: "CSV (для программ)", xlsx: "Таблица Excel (XLSX)", pdf: "PDF (для печати)" },
  kinds: { payments: "Платежи", sessions: "Сеансы", members: "Клиенты", audit: "Журнал аудита", shifts: "Смены", products: "Товары", vouchers: "Ваучеры", commands: "Команды ПК", stock: "Остатки на складе", stock_movements: "Движения товаров", report_takings: "Отчёт: выручка", report_revenue: "Отчёт: доходы", report_usage: "Отчёт: загрузка", report_members: "Отчёт: клиенты", report_staff: "Отчёт: сотрудники", report_inventory: "Отчёт: склад" },
  title: "{{kind}} · {{format}}",
  queued: "Ожидает запуска…",
  running: "{{rows}} из {{total}} строк",
  done: "Готово: {{rows}} строк",
  expired: "Файл удалён: экспортируйте заново",
  download: "Скачать",
  retry: "Повторить",
  close: "Закрыть",
  failedToStart: "Экспорт не запущен: {{message}}",
};

const uz: ExportMessages = {
  button: "Eksport",
  menu: "Eksport formati",
  formats: { csv: "CSV (dasturlar uchun)", xlsx: "Excel jadvali (XLSX)", pdf: "PDF (chop etish uchun)" },
  kinds: { payments: "To'lovlar", sessions: "Seanslar", members: "Mijozlar", audit: "Audit jurnali", shifts: "Smenalar", products: "Mahsulotlar", vouchers: "Vaucherlar", commands: "Kompyuter buyruqlari", stock: "Ombordagi qoldiq", stock_movements: "Tovar harakatlari", report_takings: "Hisobot: tushum", report_revenue: "Hisobot: daromad", report_usage: "Hisobot: foydalanish", report_members: "Hisobot: mijozlar", report_staff: "Hisobot: xodimlar", report_inventory: "Hisobot: ombor" },
  title: "{{kind}} · {{format}}",
  queued: "Boshlanishini kutmoqda…",
  running: "{{total}} qatordan {{rows}} tasi",
  done: "Tayyor: {{rows}} qator",
  expired: "Fayl o'chirildi: qaytadan eksport qiling",
  download: "Yuklab olish",
  retry: "Qayta urinish",
  close: "Yopish",
  failedToStart: "Eksport boshlanmadi: {{message}}",
};

registerMessages("exports", { en, ru, uz });
