import { registerMessages } from "../../app/i18n";
// The shared words (errors, methods, buttons) come with every screen that uses them.
import "../common/messages";

const en = {
  title: "Vouchers",
  sell: "Sell a voucher",
  value: "Value",
  sellButton: "Sell for {{money}}",
  sellPlain: "Sell",
  selling: "Selling…",
  sold: "Voucher sold: receipt {{receipt}}",
  code: "Code",
  codeHint: "Give the customer this code (it is printed on the receipt). It is shown here once; afterwards only its last four characters.",
  printReceipt: "Print receipt with the code",
  receiptTitle: "Voucher receipt {{receipt}}",
  check: "Check a voucher",
  checkCode: "Voucher code",
  checkButton: "Check",
  checking: "Checking…",
  holds: "Holds {{money}} of {{value}}",
  soldAt: "Sold {{time}}",
  empty: "It holds nothing any more.",
  list: "Vouchers sold",
  columns: { code: "Code", value: "Value", balance: "Holds", sold: "Sold", branch: "Branch" },
};

export type VoucherMessages = typeof en;

const ru: VoucherMessages = {
  title: "Ваучеры",
  sell: "Продать ваучер",
  value: "Номинал",
  sellButton: "Продать за {{money}}",
  sellPlain: "Продать",
  selling: "Продаём…",
  sold: "Ваучер продан: чек {{receipt}}",
  code: "Код",
  codeHint: "Отдайте клиенту этот код (он напечатан на чеке). Здесь он показан один раз; дальше видны только последние четыре символа.",
  printReceipt: "Печать чека с кодом",
  receiptTitle: "Чек ваучера {{receipt}}",
  check: "Проверить ваучер",
  checkCode: "Код ваучера",
  checkButton: "Проверить",
  checking: "Проверяем…",
  holds: "Осталось {{money}} из {{value}}",
  soldAt: "Продан {{time}}",
  empty: "На нём ничего не осталось.",
  list: "Проданные ваучеры",
  columns: { code: "Код", value: "Номинал", balance: "Осталось", sold: "Продан", branch: "Филиал" },
};

const uz: VoucherMessages = {
  title: "Vaucherlar",
  sell: "Vaucher sotish",
  value: "Qiymati",
  sellButton: "{{money}} ga sotish",
  sellPlain: "Sotish",
  selling: "Sotilmoqda…",
  sold: "Vaucher sotildi: chek {{receipt}}",
  code: "Kod",
  codeHint: "Bu kodni mijozga bering (u chekda chop etilgan). U bu yerda bir marta ko'rsatiladi; keyin faqat oxirgi to'rt belgisi.",
  printReceipt: "Kodli chekni chop etish",
  receiptTitle: "Vaucher cheki {{receipt}}",
  check: "Vaucherni tekshirish",
  checkCode: "Vaucher kodi",
  checkButton: "Tekshirish",
  checking: "Tekshirilmoqda…",
  holds: "{{value}} dan {{money}} qoldi",
  soldAt: "{{time}} da sotilgan",
  empty: "Unda hech narsa qolmagan.",
  list: "Sotilgan vaucherlar",
  columns: { code: "Kod", value: "Qiymati", balance: "Qoldiq", sold: "Sotilgan", branch: "Filial" },
};

registerMessages("vouchers", { en, ru, uz });
