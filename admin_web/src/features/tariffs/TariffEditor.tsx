/** Edit a tariff: the standard rate, the minimum charge and the time-of-day/weekday windows; PCs get it on save. */
import AddIcon from "@mui/icons-material/Add";
import DeleteOutlinedIcon from "@mui/icons-material/DeleteOutlined";
import { Alert, Box, Button, IconButton, Paper, Stack, TextField, ToggleButton, ToggleButtonGroup, Tooltip, Typography } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { backoffice, type Tariff } from "../../api/backoffice";
import { ApiError } from "../../api/errors";
import { FormError } from "../common/FormError";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { checkTariff, idFrom, NEW_WINDOW, tariffField, tariffFrom, valid, type TariffForm, type WindowForm } from "./form";
import "./messages";

interface Props {
  form: TariffForm;
  isNew: boolean;
  readOnly: boolean;
  onChange: (form: TariffForm) => void;
  onSaved: (tariff: Tariff) => void;
}

/** The hub's refusal as (field, message) when it names a field of the tariff. */
function refusalField(error: unknown): { field: string | null; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  const match = /^([\w.]+): (.+)$/s.exec(error.message);
  const field = match && error.status === 400 ? tariffField(match[1] ?? "") : error.code === "exists" ? "id" : null;
  return { field, message: match && field ? (match[2] ?? error.message) : error.message };
}

export function TariffEditor({ form, isNew, readOnly, onChange, onSaved }: Props) {
  const { t } = useTranslation();
  const currency = useCurrency();
  const queryClient = useQueryClient();
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: (tariff: Tariff) => (isNew ? backoffice.createTariff(tariff) : backoffice.saveTariff(tariff)),
    onSuccess: (tariff) => {
      setTried(false);
      void queryClient.invalidateQueries({ queryKey: ["tariffs"] });
      onSaved(tariff);
    },
  });
  const checks = checkTariff(form, currency);
  const refusal = refusalField(save.error);
  const show = (check: string | null, field: string) => (tried ? check : null) ?? (refusal?.field === field ? refusal.message : null);
  const text = (error: string | null) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  const set = (patch: Partial<TariffForm>) => {
    onChange({ ...form, ...patch });
    save.reset();
  };
  const setWindow = (index: number, patch: Partial<WindowForm>) => set({ windows: form.windows.map((window, i) => (i === index ? { ...window, ...patch } : window)) });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (valid(checks) && !save.isPending) save.mutate(tariffFrom(form, currency));
  };

  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2.5 }} aria-label={form.name || t("tariffs.newTariff")}>
      <Stack spacing={2}>
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr" }, gap: 2 }}>
          <TextField
            label={t("tariffs.name")}
            name="tariff_name"
            value={form.name}
            onChange={(event) => set(isNew && idFrom(form.name) === form.id ? { name: event.target.value, id: idFrom(event.target.value) } : { name: event.target.value })}
            error={Boolean(show(checks.name, "name"))}
            helperText={text(show(checks.name, "name"))}
            required
            disabled={readOnly}
            slotProps={{ htmlInput: { maxLength: 64 } }}
          />
          <TextField
            label={t("tariffs.id")}
            name="tariff_id"
            value={form.id}
            onChange={(event) => set({ id: event.target.value })}
            error={Boolean(show(checks.id, "id"))}
            helperText={text(show(checks.id, "id")) ?? t("tariffs.idHint")}
            required
            disabled={!isNew || readOnly}
            slotProps={{ htmlInput: { maxLength: 64 } }}
          />
          <MoneyField label={t("tariffs.rate")} name="hourly_rate" value={form.rate} onChange={(rate) => set({ rate })} error={show(checks.rate, "rate")} required disabled={readOnly} />
          <MoneyField
            label={t("tariffs.minimum")}
            name="minimum_charge"
            value={form.minimum}
            onChange={(minimum) => set({ minimum })}
            error={show(checks.minimum, "minimum")}
            hint={t("tariffs.minimumHint")}
            disabled={readOnly}
          />
        </Box>
        <Box>
          <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
            {t("tariffs.windows")}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {t("tariffs.windowsHint")} ({t("tariffs.timezone")}: {form.timezone})
          </Typography>
        </Box>
        {form.windows.map((window, index) => {
          const wc = checks.windows[index];
          const at = (part: keyof WindowForm) => `windows.${index}.${part}`;
          return (
            <Box key={index} sx={{ border: 1, borderColor: "divider", borderRadius: 2, p: 1.5 }} data-testid={`window-${index}`}>
              <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr 1fr", md: "minmax(120px, 1.4fr) 100px 100px minmax(140px, 1fr) auto" }, gap: 1.5, alignItems: "start" }}>
                <TextField
                  size="small"
                  label={t("tariffs.windowName")}
                  name={`window_${index}_name`}
                  value={window.name}
                  onChange={(event) => setWindow(index, { name: event.target.value })}
                  error={Boolean(show(wc?.name ?? null, at("name")))}
                  helperText={text(show(wc?.name ?? null, at("name")))}
                  disabled={readOnly}
                  slotProps={{ htmlInput: { maxLength: 64 } }}
                />
                <TextField
                  size="small"
                  label={t("tariffs.start")}
                  name={`window_${index}_start`}
                  value={window.start}
                  onChange={(event) => setWindow(index, { start: event.target.value })}
                  error={Boolean(show(wc?.start ?? null, at("start")))}
                  helperText={text(show(wc?.start ?? null, at("start")))}
                  placeholder="22:00"
                  disabled={readOnly}
                  slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 5 } }}
                />
                <TextField
                  size="small"
                  label={t("tariffs.end")}
                  name={`window_${index}_end`}
                  value={window.end}
                  onChange={(event) => setWindow(index, { end: event.target.value })}
                  error={Boolean(show(wc?.end ?? null, at("end")))}
                  helperText={text(show(wc?.end ?? null, at("end")))}
                  placeholder="08:00"
                  disabled={readOnly}
                  slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 5 } }}
                />
                <MoneyField
                  size="small"
                  label={t("tariffs.windowRate")}
                  name={`window_${index}_rate`}
                  value={window.rate}
                  onChange={(rate) => setWindow(index, { rate })}
                  error={show(wc?.rate ?? null, at("rate"))}
                  disabled={readOnly}
                />
                {!readOnly && (
                  <Tooltip title={t("tariffs.removeWindow")}>
                    <IconButton aria-label={t("tariffs.removeWindow")} onClick={() => set({ windows: form.windows.filter((_w, i) => i !== index) })}>
                      <DeleteOutlinedIcon />
                    </IconButton>
                  </Tooltip>
                )}
              </Box>
              <Stack direction="row" spacing={1} sx={{ mt: 1, alignItems: "center", flexWrap: "wrap" }}>
                <Typography variant="caption" color={show(wc?.days ?? null, at("days")) ? "error" : "text.secondary"}>
                  {t("tariffs.daysLabel")}
                </Typography>
                <ToggleButtonGroup
                  size="small"
                  color="primary"
                  value={window.days}
                  onChange={(_event, days: number[]) => setWindow(index, { days: [...days].sort() })}
                  aria-label={t("tariffs.daysLabel")}
                  disabled={readOnly}
                >
                  {(t("tariffs.days", { returnObjects: true }) as string[]).map((day, number) => (
                    <ToggleButton key={number} value={number} sx={{ px: 1, py: 0.25, minWidth: 40 }}>
                      {day}
                    </ToggleButton>
                  ))}
                </ToggleButtonGroup>
              </Stack>
            </Box>
          );
        })}
        {!readOnly && (
          <Box>
            <Button startIcon={<AddIcon />} onClick={() => set({ windows: [...form.windows, NEW_WINDOW] })} data-testid="add-window">
              {t("tariffs.addWindow")}
            </Button>
          </Box>
        )}
        {save.isError && refusal?.field == null && <FormError error={save.error} />}
        {save.isSuccess && <Alert severity="success">{t("tariffs.saved")}</Alert>}
        {!readOnly && (
          <Box>
            <Button type="submit" variant="contained" disabled={save.isPending} data-testid="save-tariff">
              {t("tariffs.save")}
            </Button>
          </Box>
        )}
      </Stack>
    </Paper>
  );
}
