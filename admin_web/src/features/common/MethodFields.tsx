/** Choose how the customer pays, and fill in what that method needs (terminal code, voucher code, member). */
import { Alert, Button, Stack, TextField, ToggleButton, ToggleButtonGroup } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import type { Method } from "../../api/money";
import { useCurrentShift } from "../shifts/useCurrentShift";
import { MemberPicker } from "./MemberPicker";
import { needsShift, type MethodValue } from "./method";
import "./messages";

interface Props {
  value: MethodValue;
  onChange: (value: MethodValue) => void;
  methods: readonly Method[];
  errors: { terminalRef?: string | null; voucherCode?: string | null; member?: string | null };
}

export function MethodFields({ value, onChange, methods, errors }: Props) {
  const { t } = useTranslation();
  const shift = useCurrentShift();
  const text = (error: string | null | undefined) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  const noShift = needsShift(value.method) && shift.isSuccess && shift.data === null;
  return (
    <Stack spacing={2}>
      <ToggleButtonGroup
        exclusive
        fullWidth
        size="small"
        color="primary"
        value={value.method}
        onChange={(_event, method: Method | null) => method && onChange({ ...value, method })}
        aria-label={t("pos.method")}
      >
        {methods.map((method) => (
          <ToggleButton key={method} value={method} data-testid={`method-${method}`} sx={{ px: 1 }}>
            {t(`common.methods.${method}`)}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      {noShift && (
        <Alert
          severity="warning"
          data-testid="need-shift"
          action={
            <Button component={RouterLink} to="/shift" size="small" color="inherit" sx={{ whiteSpace: "nowrap" }}>
              {t("pos.openShift")}
            </Button>
          }
        >
          {t("pos.needShift")}
        </Alert>
      )}
      {value.method === "card" && (
        <TextField
          label={t("pos.terminalRef")}
          name="terminal_ref"
          value={value.terminalRef}
          onChange={(event) => onChange({ ...value, terminalRef: event.target.value })}
          error={Boolean(errors.terminalRef)}
          helperText={text(errors.terminalRef) ?? t("pos.terminalHint")}
          autoComplete="off"
          slotProps={{ htmlInput: { maxLength: 64 } }}
        />
      )}
      {value.method === "voucher" && (
        <TextField
          label={t("pos.voucherCode")}
          name="voucher_code"
          value={value.voucherCode}
          onChange={(event) => onChange({ ...value, voucherCode: event.target.value })}
          error={Boolean(errors.voucherCode)}
          helperText={text(errors.voucherCode)}
          autoComplete="off"
          slotProps={{ htmlInput: { maxLength: 64 } }}
        />
      )}
      {value.method === "balance" && <MemberPicker value={value.member} onChange={(member) => onChange({ ...value, member })} error={errors.member ?? null} />}
    </Stack>
  );
}
