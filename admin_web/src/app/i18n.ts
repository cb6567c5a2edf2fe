/**
 * i18next with the three catalogues (src/i18n). The language is remembered per user on this device
 * (and the last one used shows the login page); a new user starts in the branch's language.
 */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";

import en from "../i18n/en";
import { isLanguage, LANGUAGES, type Language } from "../i18n/format";
import ru from "../i18n/ru";
import uz from "../i18n/uz";

const DEVICE_KEY = "icafe.language";
const userKey = (username: string) => `icafe.language.${username}`;

function stored(key: string): Language | null {
  const value = window.localStorage.getItem(key);
  return isLanguage(value) ? value : null;
}

export function initialLanguage(): Language {
  const fromBrowser = navigator.language.slice(0, 2);
  return stored(DEVICE_KEY) ?? (isLanguage(fromBrowser) ? fromBrowser : "en");
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru }, uz: { translation: uz } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

/**
 * A feature's own catalogue (`src/features/<x>/messages.ts`: `{ en, ru, uz }`, ru and uz typed as en's
 * shape), added under its key when the feature's chunk loads: `t("<key>.title")` then works anywhere.
 */
export function registerMessages<T extends object>(key: string, messages: Record<Language, T>): void {
  for (const language of LANGUAGES) i18next.addResourceBundle(language, "translation", { [key]: messages[language] }, true, true);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : "en";
}

/** Switch the language now and remember it for this user (and as this device's default). */
export function chooseLanguage(language: Language, username: string | null): void {
  window.localStorage.setItem(DEVICE_KEY, language);
  if (username) window.localStorage.setItem(userKey(username), language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

/** After sign-in: the user's remembered language, else the branch's. */
export function applyUserLanguage(username: string, branchLanguage: string | null): void {
  const language = stored(userKey(username)) ?? (isLanguage(branchLanguage) ? branchLanguage : null);
  if (language && language !== currentLanguage()) chooseLanguage(language, username);
}

export default i18next;
