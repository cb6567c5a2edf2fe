/** The inventory's dialogs: receive a delivery, write goods off, a product's stock settings. */
import AddIcon from "@mui/icons-material/Add";
import DeleteIcon from "@mui/icons-material/Delete";
import {
  Autocomplete,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  IconButton,
  Stack,
  TextField,
} from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { IdempotentAction } from "../../api/idempotency";
import { money, type Product } from "../../api/money";
import { moneyInputText, parseMoney } from "../../i18n/format";
import { FormError } from "../common/FormError";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { inventory, type StockLevel } from "./api";
import { parseQuantity } from "./logic";
import "./messages";

function useRefresh(): () => void {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["inventory"] });
  };
}

interface Line {
  product: Product | null;
  quantity: string;
  cost: string;
}

const EMPTY_LINE: Line = { product: null, quantity: "", cost: "" };

export function ReceiveDialog({ first, onClose }: { first: string | null; onClose: (done: string | null) => void }) {
  const { t } = useTranslation();
  const currency = useCurrency();
  const refresh = useRefresh();
  const products = useQuery({ queryKey: ["products", "all", false], queryFn: () => money.products(false) });
  const options = products.data?.items ?? [];
  const [lines, setLines] = useState<Line[]>([EMPTY_LINE]);
  const [note, setNote] = useState("");
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction());
  // The product the dialog was opened for stands on its one line until another is chosen.
  const preset = first && lines.length === 1 ? (options.find((p) => p.id === first) ?? null) : null;
  const resolved: Line[] = lines.map((line) => ({ ...line, product: line.product ?? preset }));
  const parsed = resolved.map((line) => ({
    line,
    quantity: parseQuantity(line.quantity),
    cost: line.cost.trim() === "" ? undefined : parseMoney(line.cost, currency),
  }));
  const valid = parsed.every((entry) => entry.line.product !== null && entry.quantity !== null && entry.cost !== null);
  const body = parsed.map((entry) => ({
    product_id: entry.line.product?.id ?? "",
    quantity: entry.quantity ?? 0,
    ...(entry.cost === undefined || entry.cost === null ? {} : { unit_cost: entry.cost }),
  }));
  const save = useMutation({
    mutationFn: () => inventory.receive(body, note.trim(), action.current.keyFor({ body, note })),
    onSuccess: () => {
      action.current.finished();
      refresh();
      onClose(t("inventory.received", { count: body.length }));
    },
  });
  const set = (index: number, change: Partial<Line>) => setLines(resolved.map((line, i) => (i === index ? { ...line, ...change } : line)));
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (valid) save.mutate();
  };
  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="md" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("inventory.receiveTitle")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {parsed.map(({ line, quantity, cost }, index) => (
              <Stack key={index} direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ alignItems: "flex-start" }} data-testid="receive-line">
                <Autocomplete
                  sx={{ flex: 2, minWidth: 200 }}
                  options={options}
                  value={line.product}
                  getOptionLabel={(product) => product.name}
                  isOptionEqualToValue={(a, b) => a.id === b.id}
                  onChange={(_event, product) => set(index, { product })}
                  renderInput={(params) => (
                    <TextField
                      {...params}
                      label={t("inventory.product")}
                      name="product"
                      error={tried && line.product === null}
                      helperText={tried && line.product === null ? t("common.errors.required") : undefined}
                    />
                  )}
                />
                <TextField
                  sx={{ flex: 1, minWidth: 110 }}
                  label={t("inventory.quantity")}
                  name="quantity"
                  value={line.quantity}
                  onChange={(event) => set(index, { quantity: event.target.value })}
                  error={tried && quantity === null}
                  helperText={tried && quantity === null ? t("inventory.quantityError") : undefined}
                  slotProps={{ htmlInput: { inputMode: "numeric", style: { textAlign: "right" } } }}
                />
                <MoneyField
                  sx={{ flex: 1.4, minWidth: 150 }}
                  label={t("inventory.unitCost")}
                  name="unit_cost"
                  value={line.cost}
                  onChange={(cost) => set(index, { cost })}
                  error={tried && cost === null ? "amount" : null}
                />
                <IconButton aria-label={t("inventory.removeLine")} disabled={lines.length === 1} onClick={() => setLines(resolved.filter((_, i) => i !== index))} sx={{ mt: 1 }}>
                  <DeleteIcon />
                </IconButton>
              </Stack>
            ))}
            <Button startIcon={<AddIcon />} onClick={() => setLines([...resolved, EMPTY_LINE])} sx={{ alignSelf: "flex-start" }}>
              {t("inventory.addLine")}
            </Button>
            <TextField label={t("inventory.note")} name="note" value={note} onChange={(event) => setNote(event.target.value)} slotProps={{ htmlInput: { maxLength: 200 } }} />
            {save.isError && <FormError error={save.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={save.isPending} data-testid="receive-submit">
            {t("inventory.receiveButton")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function WriteOffDialog({ row, onClose }: { row: StockLevel; onClose: (done: string | null) => void }) {
  const { t } = useTranslation();
  const refresh = useRefresh();
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction());
  const count = parseQuantity(quantity);
  const reasonError = reason.trim().length < 3 ? (reason.trim() ? "reasonShort" : "required") : null;
  const save = useMutation({
    mutationFn: () => inventory.writeOff(row.product_id, count ?? 0, reason.trim(), action.current.keyFor({ count, reason })),
    onSuccess: () => {
      action.current.finished();
      refresh();
      onClose(t("inventory.writtenOff", { count: count ?? 0, name: row.name }));
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (count !== null && reasonError === null) save.mutate();
  };
  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("inventory.writeOffTitle", { name: row.name })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              label={t("inventory.quantity")}
              name="quantity"
              value={quantity}
              onChange={(event) => setQuantity(event.target.value)}
              error={tried && count === null}
              helperText={tried && count === null ? t("inventory.quantityError") : undefined}
              autoFocus
              slotProps={{ htmlInput: { inputMode: "numeric" } }}
            />
            <TextField
              label={t("inventory.reason")}
              name="reason"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              error={tried && reasonError !== null}
              helperText={tried && reasonError ? t(`common.errors.${reasonError}`) : undefined}
              slotProps={{ htmlInput: { maxLength: 200 } }}
            />
            {save.isError && <FormError error={save.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" color="warning" disabled={save.isPending} data-testid="write-off-submit">
            {t("inventory.writeOffButton")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function SettingsDialog({ productId, name, onClose }: { productId: string; name: string; onClose: (done: string | null) => void }) {
  const settings = useQuery({ queryKey: ["inventory", "settings", productId], queryFn: () => inventory.settings(productId) });
  if (!settings.data) return null;
  return <SettingsForm productId={productId} name={name} initial={settings.data} onClose={onClose} />;
}

function SettingsForm({
  productId,
  name,
  initial,
  onClose,
}: {
  productId: string;
  name: string;
  initial: { track: boolean; low_stock: number | null; allow_negative: boolean; unit_cost: number };
  onClose: (done: string | null) => void;
}) {
  const { t } = useTranslation();
  const currency = useCurrency();
  const refresh = useRefresh();
  const [track, setTrack] = useState(initial.track);
  const [low, setLow] = useState(initial.low_stock === null ? "" : String(initial.low_stock));
  const [negative, setNegative] = useState(initial.allow_negative);
  const [cost, setCost] = useState(moneyInputText(initial.unit_cost, currency));
  const [tried, setTried] = useState(false);
  const lowLevel = low.trim() === "" ? null : parseQuantity(low, 0);
  const unitCost = cost.trim() === "" ? 0 : parseMoney(cost, currency);
  const save = useMutation({
    mutationFn: () => inventory.saveSettings(productId, { track, low_stock: lowLevel, allow_negative: negative, unit_cost: unitCost ?? 0 }),
    onSuccess: () => {
      refresh();
      onClose(t("inventory.settingsSaved", { name }));
    },
  });
  const lowError = low.trim() !== "" && lowLevel === null;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (!lowError && unitCost !== null) save.mutate();
  };
  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("inventory.settingsTitle", { name })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <FormControlLabel control={<Checkbox checked={track} onChange={(event) => setTrack(event.target.checked)} name="track" />} label={t("inventory.track")} />
            <TextField
              label={t("inventory.lowStock")}
              name="low_stock"
              value={low}
              onChange={(event) => setLow(event.target.value)}
              error={tried && lowError}
              helperText={tried && lowError ? t("inventory.countError") : t("inventory.lowStockHint")}
              slotProps={{ htmlInput: { inputMode: "numeric" } }}
            />
            <FormControlLabel
              control={<Checkbox checked={negative} onChange={(event) => setNegative(event.target.checked)} name="allow_negative" />}
              label={t("inventory.allowNegative")}
            />
            <MoneyField label={t("inventory.defaultCost")} name="unit_cost" value={cost} onChange={setCost} error={tried && unitCost === null ? "amount" : null} />
            {save.isError && <FormError error={save.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={save.isPending} data-testid="settings-submit">
            {t("common.save")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
