/**
 * The branch's settings: what receipts print (name, address, tax id, phone), currency, language and
 * timezone, the payment methods cashiers may take, and the logo on the PCs' lock screens. Read-only
 * without settings:manage.
 */
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  LinearProgress,
  MenuItem,
  Paper,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ChangeEvent, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { backoffice, type BranchSettings } from "../../api/backoffice";
import { api } from "../../api/client";
import type { Branch } from "../../api/types";
import { useSession } from "../../app/auth/session";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { METHODS } from "../common/method";
import { required } from "../common/validate";
import "./messages";

const CURRENCIES = ["UZS", "USD", "EUR", "RUB"];
const LANGUAGE_NAMES: Record<string, string> = { uz: "O'zbekcha", ru: "Русский", en: "English" };
const LOGO_MAX = 6 * 1024;
const TIMEZONES: string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["Asia/Tashkent", "UTC"];

type Form = BranchSettings & { logo_png: string };

function formOf(branch: Branch): Form {
  // Every field the hub answered goes back (a field this screen does not edit is kept as it was).
  const rest: Partial<Branch> & Omit<Branch, "id"> & { logo_png?: string } = { ...branch };
  delete rest.id;
  return { ...rest, logo_png: rest.logo_png ?? "" };
}

const FIELDS = { name: "name", address: "address", tax_id: "tax_id", phone: "phone", currency: "currency", language: "language", timezone: "timezone", payment_methods: "payment_methods", logo_png: "logo_png" };

function SettingsForm({ branch }: { branch: Branch }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const manages = can("settings:manage");
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(branch));
  const [tried, setTried] = useState(false);
  const [logoProblem, setLogoProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (settings: Form) => backoffice.saveBranch(branch.id, settings),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["branches"] }),
  });
  const checks = { name: required(form.name), payment_methods: form.payment_methods.length === 0 ? "required" : null };
  const refusal = fieldError(save.error, FIELDS);
  const errorOf = (field: keyof Form) =>
    (tried && field in checks ? checks[field as keyof typeof checks] : null) ?? (refusal?.field === field ? refusal.message : null);
  const text = (error: string | null) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  const set = (patch: Partial<Form>) => {
    setForm({ ...form, ...patch });
    save.reset();
  };
  const field = (key: "name" | "address" | "tax_id" | "phone", label: string, max: number) => (
    <TextField
      label={label}
      name={key}
      value={form[key]}
      onChange={(event) => set({ [key]: event.target.value })}
      error={Boolean(errorOf(key))}
      helperText={text(errorOf(key))}
      required={key === "name"}
      disabled={!manages}
      slotProps={{ htmlInput: { maxLength: max } }}
    />
  );

  const chooseLogo = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    if (file.type !== "image/png") {
      setLogoProblem(t("settings.logoNotPng"));
      return;
    }
    if (file.size > LOGO_MAX) {
      setLogoProblem(t("settings.logoTooBig", { size: (file.size / 1024).toFixed(1) }));
      return;
    }
    void file.arrayBuffer().then((buffer) => {
      let binary = "";
      for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
      setLogoProblem(null);
      set({ logo_png: btoa(binary) });
    });
  };

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (checks.name === null && checks.payment_methods === null) save.mutate({ ...form, name: form.name.trim() });
  };

  return (
    <Box component="form" onSubmit={submit} noValidate sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", lg: "1fr 1fr" }, gap: 2, alignItems: "start" }}>
      <Paper sx={{ p: 3 }}>
        <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
          {t("settings.receipt")}
        </Typography>
        <Stack spacing={2}>
          {field("name", t("settings.name"), 100)}
          {field("address", t("settings.address"), 200)}
          {field("tax_id", t("settings.taxId"), 40)}
          {field("phone", t("settings.phone"), 40)}
          <FormControl error={Boolean(logoProblem ?? errorOf("logo_png"))}>
            <FormLabel>{t("settings.logo")}</FormLabel>
            <Stack direction="row" spacing={2} sx={{ alignItems: "center", mt: 1 }}>
              <Box sx={{ width: 96, height: 48, border: 1, borderColor: "divider", borderRadius: 1, display: "grid", placeItems: "center", bgcolor: "grey.50" }}>
                {form.logo_png && <img src={`data:image/png;base64,${form.logo_png}`} alt={t("settings.logo")} style={{ maxWidth: 88, maxHeight: 40 }} />}
              </Box>
              {manages && (
                <Button component="label" variant="outlined" size="small">
                  {t("settings.logoChoose")}
                  <input hidden type="file" accept="image/png" onChange={chooseLogo} />
                </Button>
              )}
              {manages && form.logo_png && (
                <Button size="small" onClick={() => set({ logo_png: "" })}>
                  {t("settings.logoRemove")}
                </Button>
              )}
            </Stack>
            <FormHelperText>{logoProblem ?? text(errorOf("logo_png")) ?? t("settings.logoHint")}</FormHelperText>
          </FormControl>
        </Stack>
      </Paper>
      <Paper sx={{ p: 3 }}>
        <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
          {t("settings.locale")}
        </Typography>
        <Stack spacing={2}>
          <TextField
            select
            label={t("settings.currency")}
            name="currency"
            value={form.currency}
            onChange={(event) => set({ currency: event.target.value })}
            error={Boolean(errorOf("currency"))}
            helperText={text(errorOf("currency")) ?? (form.currency !== branch.currency ? t("settings.currencyWarning") : undefined)}
            disabled={!manages}
          >
            {(CURRENCIES.includes(form.currency) ? CURRENCIES : [form.currency, ...CURRENCIES]).map((code) => (
              <MenuItem key={code} value={code}>
                {code}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            label={t("settings.language")}
            name="language"
            value={form.language}
            onChange={(event) => set({ language: event.target.value })}
            error={Boolean(errorOf("language"))}
            helperText={text(errorOf("language"))}
            disabled={!manages}
          >
            {Object.entries(LANGUAGE_NAMES).map(([code, name]) => (
              <MenuItem key={code} value={code}>
                {name}
              </MenuItem>
            ))}
          </TextField>
          <Autocomplete
            options={TIMEZONES}
            value={form.timezone}
            onChange={(_event, value) => value && set({ timezone: value })}
            disableClearable
            disabled={!manages}
            renderInput={(params) => (
              <TextField {...params} label={t("settings.timezone")} name="timezone" error={Boolean(errorOf("timezone"))} helperText={text(errorOf("timezone")) ?? t("settings.timezoneHint")} />
            )}
          />
          <FormControl error={Boolean(errorOf("payment_methods"))} component="fieldset" disabled={!manages}>
            <FormLabel component="legend">{t("settings.methods")}</FormLabel>
            <FormGroup row>
              {METHODS.map((method) => (
                <FormControlLabel
                  key={method}
                  control={
                    <Checkbox
                      name={`method_${method}`}
                      checked={form.payment_methods.includes(method)}
                      onChange={(event) =>
                        set({
                          payment_methods: event.target.checked
                            ? METHODS.filter((m) => m === method || form.payment_methods.includes(m))
                            : form.payment_methods.filter((m) => m !== method),
                        })
                      }
                    />
                  }
                  label={t(`common.methods.${method}`)}
                />
              ))}
            </FormGroup>
            <FormHelperText>{text(errorOf("payment_methods")) ?? t("settings.methodsHint")}</FormHelperText>
          </FormControl>
        </Stack>
      </Paper>
      <Stack spacing={2} sx={{ gridColumn: "1 / -1" }}>
        {save.isError && refusal?.field == null && <FormError error={save.error} />}
        {save.isSuccess && (
          <Alert severity="success" data-testid="settings-saved">
            {t("settings.saved")}
          </Alert>
        )}
        {manages && (
          <Box>
            <Button type="submit" variant="contained" size="large" disabled={save.isPending} data-testid="save-settings">
              {t("settings.save")}
            </Button>
          </Box>
        )}
      </Stack>
    </Box>
  );
}

export default function SettingsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const branches = useQuery({ queryKey: ["branches"], queryFn: api.branches, staleTime: 5 * 60_000 });
  const branch = branches.data?.items[0];
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("settings.title")}
      </Typography>
      {!can("settings:manage") && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("common.readOnly")}
        </Alert>
      )}
      {branches.isPending && <LinearProgress />}
      {branches.isError && <FormError error={branches.error} />}
      {branch && <SettingsForm key={branch.id} branch={branch} />}
    </Box>
  );
}
