import { registerMessages } from "../../app/i18n";
// The shared words (errors, methods, buttons) come with every screen that uses them.
import "../common/messages";

const en = {
  title: "Products",
  add: "Add a product",
  edit: "Change {{name}}",
  name: "Name",
  price: "Price",
  category: "Category",
  categoryHint: "Groups products on the sale screen (e.g. Drinks)",
  active: "For sale",
  withdrawn: "Withdrawn",
  withdraw: "Withdraw from sale",
  restore: "Put back on sale",
  showWithdrawn: "Show withdrawn products",
  saved: "Saved {{name}}.",
  empty: "No products yet. Add the drinks and snacks you sell.",
  columns: { name: "Name", category: "Category", price: "Price", active: "State" },
};

export type ProductMessages = typeof en;

const ru: ProductMessages = {
  title: "Товары",
  add: "Добавить товар",
  edit: "Изменить: {{name}}",
  name: "Название",
  price: "Цена",
  category: "Категория",
  categoryHint: "Группирует товары на экране продажи (например, Напитки)",
  active: "В продаже",
  withdrawn: "Снят с продажи",
  withdraw: "Снять с продажи",
  restore: "Вернуть в продажу",
  showWithdrawn: "Показывать снятые с продажи",
  saved: "Сохранено: {{name}}.",
  empty: "Товаров пока нет. Добавьте напитки и закуски, которые продаёте.",
  columns: { name: "Название", category: "Категория", price: "Цена", active: "Состояние" },
};

const uz: ProductMessages = {
  title: "Mahsulotlar",
  add: "Mahsulot qo'shish",
  edit: "O'zgartirish: {{name}}",
  name: "Nomi",
  price: "Narxi",
  category: "Toifa",
  categoryHint: "Sotuv ekranida mahsulotlarni guruhlaydi (masalan, Ichimliklar)",
  active: "Sotuvda",
  withdrawn: "Sotuvdan olingan",
  withdraw: "Sotuvdan olish",
  restore: "Sotuvga qaytarish",
  showWithdrawn: "Sotuvdan olinganlarni ko'rsatish",
  saved: "Saqlandi: {{name}}.",
  empty: "Hozircha mahsulot yo'q. Sotadigan ichimlik va gazaklaringizni qo'shing.",
  columns: { name: "Nomi", category: "Toifa", price: "Narxi", active: "Holati" },
};

registerMessages("products", { en, ru, uz });
