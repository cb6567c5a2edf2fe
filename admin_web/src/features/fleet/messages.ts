import { registerMessages } from "../../app/i18n";
import "../common/messages";

const en = {
  nav: "Fleet",
  title: "Fleet: agent versions and updates",
  pcs: "PCs: {{count}}",
  versions: "Agent versions",
  os: "Operating systems",
  hardening: "Lock-screen hardening",
  unknown: "not reported",
  releases: "Releases uploaded",
  noReleases: "No release uploaded yet: icafe agent-package, then POST /api/v1/agent-releases (README \"Fleet updates\").",
  rollouts: "Rollouts",
  noRollouts: "No rollout yet.",
  columns: { version: "Version", sha256: "SHA-256", size: "Size", by: "By", at: "When", ring: "Ring", pcs: "PCs" },
  kib: "{{size}} KiB",
  leftOut: "Offline, left for a later rollout: {{pcs}}",
  states: { pending: "pending", installing: "installing", done: "done", failed: "failed", rolled_back: "rolled back" },
  rings: { one: "one PC", "10%": "10 %", all: "all" },
  grades: { strong: "strong", partial: "partial", weak: "weak" },
};

export type FleetMessages = typeof en;

const ru: FleetMessages = {
  nav: "Парк ПК",
  title: "Парк ПК: версии агента и обновления",
  pcs: "ПК: {{count}}",
  versions: "Версии агента",
  os: "Операционные системы",
  hardening: "Защита экрана блокировки",
  unknown: "не сообщено",
  releases: "Загруженные выпуски",
  noReleases: "Выпусков пока нет: icafe agent-package, затем POST /api/v1/agent-releases (README «Fleet updates»).",
  rollouts: "Развёртывания",
  noRollouts: "Развёртываний пока нет.",
  columns: { version: "Версия", sha256: "SHA-256", size: "Размер", by: "Кто", at: "Когда", ring: "Круг", pcs: "ПК" },
  kib: "{{size}} КиБ",
  leftOut: "Не в сети, на следующее развёртывание: {{pcs}}",
  states: { pending: "ожидает", installing: "устанавливается", done: "готово", failed: "ошибка", rolled_back: "откат" },
  rings: { one: "один ПК", "10%": "10 %", all: "все" },
  grades: { strong: "надёжная", partial: "частичная", weak: "слабая" },
};

const uz: FleetMessages = {
  nav: "Kompyuterlar parki",
  title: "Kompyuterlar parki: agent versiyalari va yangilanishlar",
  pcs: "{{count}} ta kompyuter",
  versions: "Agent versiyalari",
  os: "Operatsion tizimlar",
  hardening: "Qulflash ekrani himoyasi",
  unknown: "xabar berilmagan",
  releases: "Yuklangan relizlar",
  noReleases: "Hali reliz yuklanmagan: icafe agent-package, so'ng POST /api/v1/agent-releases (README \"Fleet updates\").",
  rollouts: "Tarqatishlar",
  noRollouts: "Hali tarqatish yo'q.",
  columns: { version: "Versiya", sha256: "SHA-256", size: "Hajmi", by: "Kim", at: "Qachon", ring: "Doira", pcs: "Kompyuterlar" },
  kib: "{{size}} KiB",
  leftOut: "Tarmoqda emas, keyingi tarqatishga qoldi: {{pcs}}",
  states: { pending: "kutilmoqda", installing: "o'rnatilmoqda", done: "tayyor", failed: "xato", rolled_back: "qaytarildi" },
  rings: { one: "bitta kompyuter", "10%": "10 %", all: "hammasi" },
  grades: { strong: "kuchli", partial: "qisman", weak: "zaif" },
};

registerMessages("fleet", { en, ru, uz });
