import { registerMessages } from "../../app/i18n";
// The shared words (errors, methods, buttons) come with every screen that uses them.
import "../common/messages";

const en = {
  title: "Audit log",
  actor: "Who (username)",
  action: "Action (e.g. payment.refund)",
  outcome: "Outcome",
  since: "Since",
  until: "Until",
  clear: "Clear filters",
  verify: "Check the chain",
  verifying: "Checking…",
  intact: "The log is intact: {{count}} entries, each chained to the one before.",
  broken: "The log was tampered with: {{count}} problem(s).",
  head: "Head hash (note it somewhere else now and then: a deleted tail shows only against a noted head)",
  columns: { time: "Time", actor: "Who", role: "Role", action: "Action", target: "Target", outcome: "Outcome", reason: "Reason", ip: "Address" },
  entry: "Entry {{seq}}",
  details: "Details",
  hash: "Hash",
  prev: "Previous hash",
  outcomes: { success: "success", failure: "failure", denied: "denied", locked: "locked", reuse_detected: "reuse detected" },
};

export type AuditMessages = typeof en;

const ru: AuditMessages = {
  title: "Журнал аудита",
  actor: "Кто (логин)",
  action: "Действие (например, payment.refund)",
  outcome: "Результат",
  since: "С",
  until: "По",
  clear: "Сбросить фильтры",
  verify: "Проверить цепочку",
  verifying: "Проверяем…",
  intact: "Журнал цел: {{count}} записей, каждая связана с предыдущей.",
  broken: "Журнал изменён: проблем — {{count}}.",
  head: "Хеш последней записи (записывайте его где-то ещё время от времени: удаление последних записей видно только по записанному хешу)",
  columns: { time: "Время", actor: "Кто", role: "Роль", action: "Действие", target: "Объект", outcome: "Результат", reason: "Причина", ip: "Адрес" },
  entry: "Запись {{seq}}",
  details: "Подробности",
  hash: "Хеш",
  prev: "Предыдущий хеш",
  outcomes: { success: "успех", failure: "ошибка", denied: "запрещено", locked: "заблокировано", reuse_detected: "повторное использование" },
};

const uz: AuditMessages = {
  title: "Audit jurnali",
  actor: "Kim (login)",
  action: "Amal (masalan, payment.refund)",
  outcome: "Natija",
  since: "Dan",
  until: "Gacha",
  clear: "Filtrlarni tozalash",
  verify: "Zanjirni tekshirish",
  verifying: "Tekshirilmoqda…",
  intact: "Jurnal butun: {{count}} ta yozuv, har biri oldingisiga bog'langan.",
  broken: "Jurnal o'zgartirilgan: {{count}} ta muammo.",
  head: "Oxirgi yozuv xeshi (uni vaqti-vaqti bilan boshqa joyga yozib qo'ying: oxirgi yozuvlar o'chirilgani faqat yozib olingan xesh bilan ko'rinadi)",
  columns: { time: "Vaqt", actor: "Kim", role: "Rol", action: "Amal", target: "Obyekt", outcome: "Natija", reason: "Sabab", ip: "Manzil" },
  entry: "Yozuv {{seq}}",
  details: "Tafsilotlar",
  hash: "Xesh",
  prev: "Oldingi xesh",
  outcomes: { success: "muvaffaqiyat", failure: "xato", denied: "rad etilgan", locked: "bloklangan", reuse_detected: "qayta ishlatish" },
};

registerMessages("audit", { en, ru, uz });
