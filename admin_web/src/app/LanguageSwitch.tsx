import { MenuItem, TextField } from "@mui/material";
import { useTranslation } from "react-i18next";

import { LANGUAGES, isLanguage } from "../i18n/format";
import { chooseLanguage, currentLanguage } from "./i18n";

const NAMES = { uz: "O'zbekcha", ru: "Русский", en: "English" } as const;

export function LanguageSwitch({ username = null, dark = false }: { username?: string | null; dark?: boolean }) {
  const { t } = useTranslation();
  return (
    <TextField
      select
      size="small"
      label={t("menu.language")}
      value={currentLanguage()}
      onChange={(event) => {
        if (isLanguage(event.target.value)) chooseLanguage(event.target.value, username);
      }}
      id="language-switch"
      sx={dark ? { minWidth: 140, "& .MuiInputBase-root": { color: "inherit" }, "& .MuiInputLabel-root": { color: "inherit" }, "& .MuiOutlinedInput-notchedOutline": { borderColor: "rgba(255,255,255,0.5)" }, "& .MuiSvgIcon-root": { color: "inherit" } } : { minWidth: 140 }}
    >
      {LANGUAGES.map((language) => (
        <MenuItem key={language} value={language} lang={language}>
          {NAMES[language]}
        </MenuItem>
      ))}
    </TextField>
  );
}
