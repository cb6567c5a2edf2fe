/** An amount field in the branch currency: typed in whole units ("12 000"), read as minor units by parseMoney. */
import { InputAdornment, TextField, type TextFieldProps } from "@mui/material";
import { useTranslation } from "react-i18next";

import { useBranch } from "../../app/branch";
import { currencyName, isLanguage } from "../../i18n/format";

type Props = Omit<TextFieldProps, "onChange" | "value" | "error" | "helperText"> & {
  value: string;
  onChange: (text: string) => void;
  /** An error key of common.errors, or the hub's own message. */
  error?: string | null;
  /** Shown when there is no error. */
  hint?: string;
};

export function useCurrency(): string {
  return useBranch()?.currency ?? "UZS";
}

export function MoneyField({ value, onChange, error, hint, slotProps, ...rest }: Props) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const unit = currencyName(currency, isLanguage(i18n.language) ? i18n.language : "en");
  return (
    <TextField
      {...rest}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      error={Boolean(error)}
      helperText={error ? t(`common.errors.${error}`, { defaultValue: error }) : hint}
      autoComplete="off"
      slotProps={{
        ...slotProps,
        input: { endAdornment: <InputAdornment position="end">{unit}</InputAdornment> },
        htmlInput: { inputMode: "decimal", style: { textAlign: "right" }, maxLength: 24 },
      }}
    />
  );
}
