import { registerMessages } from "../../../app/i18n";

const en = {
  download: "Download the chart",
  png: "PNG image",
  svg: "SVG image (vector)",
  failed: "Could not make the image: {{message}}",
};

const ru: typeof en = {
  download: "Скачать график",
  png: "Изображение PNG",
  svg: "Изображение SVG (вектор)",
  failed: "Не удалось сделать изображение: {{message}}",
};

const uz: typeof en = {
  download: "Grafikni yuklab olish",
  png: "PNG rasm",
  svg: "SVG rasm (vektor)",
  failed: "Rasmni yaratib bo'lmadi: {{message}}",
};

registerMessages("charts", { en, ru, uz });
