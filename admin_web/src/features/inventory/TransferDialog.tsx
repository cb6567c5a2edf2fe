/**
 * Goods to another branch (POST /inventory/transfers): the destination, the lines (product, quantity),
 * then a confirmation of exactly what leaves. The hub moves every line or none; its refusal ("only 2 of
 * Cola left at main, 5 asked: nothing was moved") is shown as it says it. A retry after a lost answer
 * sends the same Idempotency-Key, so the goods leave once.
 */
import AddIcon from "@mui/icons-material/Add";
import DeleteIcon from "@mui/icons-material/Delete";
import {
  Alert,
  Autocomplete,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  IconButton,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { IdempotentAction } from "../../api/idempotency";
import { FormError } from "../common/FormError";
import { inventory, type StockLevel } from "./api";
import { transferLines, type TransferDraft } from "./logic";
import "./messages";

const EMPTY: TransferDraft = { productId: null, quantity: "" };

interface Props {
  /** The branch the goods leave from (the stock page's). */
  from: string;
  /** The products whose stock is kept there: only those can be transferred. */
  stock: readonly StockLevel[];
  onClose: (done: string | null) => void;
}

export function TransferDialog({ from, stock, onClose }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const branches = useQuery({ queryKey: ["branches"], queryFn: api.branches, staleTime: 5 * 60_000 });
  const names = new Map((branches.data?.items ?? []).map((branch) => [branch.id, branch.name]));
  const others = (branches.data?.items ?? []).filter((branch) => branch.id !== from);
  const [to, setTo] = useState("");
  const [drafts, setDrafts] = useState<TransferDraft[]>([EMPTY]);
  const [note, setNote] = useState("");
  const [tried, setTried] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const action = useRef(new IdempotentAction());
  const checked = transferLines(drafts);
  const byId = new Map(stock.map((row) => [row.product_id, row]));
  const branchName = (id: string) => names.get(id) ?? id;

  const send = useMutation({
    mutationFn: (lines: { product_id: string; quantity: number }[]) => inventory.transfer(to, lines, note.trim(), action.current.keyFor({ to, lines, note })),
    onSuccess: (operation) => {
      action.current.finished();
      void queryClient.invalidateQueries({ queryKey: ["inventory"] });
      const lines = operation.lines.map((line) => t("inventory.transfer.line", { count: line.quantity, name: byId.get(line.product_id)?.name ?? line.product_id }));
      onClose(t("inventory.transfer.sent", { branch: branchName(operation.to_branch ?? to), id: operation.id.slice(0, 8), lines: lines.join(", ") }));
    },
  });

  const set = (index: number, change: Partial<TransferDraft>) => setDrafts(drafts.map((draft, i) => (i === index ? { ...draft, ...change } : draft)));
  const review = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (to !== "" && checked.lines !== null) {
      send.reset();
      setConfirming(true);
    }
  };

  if (confirming && checked.lines !== null) {
    const lines = checked.lines;
    return (
      <Dialog open onClose={() => onClose(null)} maxWidth="sm" fullWidth>
        <DialogTitle>{t("inventory.transfer.confirmTitle", { branch: branchName(to) })}</DialogTitle>
        <DialogContent>
          <Typography color="text.secondary">{t("inventory.transfer.confirmHint", { from: branchName(from) })}</Typography>
          <List dense data-testid="transfer-summary">
            {lines.map((line) => (
              <ListItem key={line.product_id} disableGutters>
                <ListItemText primary={t("inventory.transfer.line", { count: line.quantity, name: byId.get(line.product_id)?.name ?? line.product_id })} />
              </ListItem>
            ))}
          </List>
          {note.trim() && <Typography variant="body2">{note.trim()}</Typography>}
          {send.isError && <FormError error={send.error} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)} data-testid="transfer-back">
            {t("inventory.transfer.back")}
          </Button>
          <Button variant="contained" disabled={send.isPending} onClick={() => send.mutate(lines)} data-testid="transfer-send">
            {t("inventory.transfer.send")}
          </Button>
        </DialogActions>
      </Dialog>
    );
  }

  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="md" fullWidth>
      <form onSubmit={review} noValidate>
        <DialogTitle>{t("inventory.transfer.title")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Typography color="text.secondary">{t("inventory.transfer.from", { branch: branchName(from) })}</Typography>
            {branches.isError && <FormError error={branches.error} />}
            {branches.isSuccess && others.length === 0 ? (
              <Alert severity="info">{t("inventory.transfer.noOther")}</Alert>
            ) : (
              <TextField
                select
                label={t("inventory.transfer.to")}
                name="to_branch"
                value={to}
                onChange={(event) => setTo(event.target.value)}
                error={tried && to === ""}
                helperText={tried && to === "" ? t("common.errors.required") : undefined}
                slotProps={{ select: { inputProps: { "data-testid": "transfer-to" } } }}
              >
                {others.map((branch) => (
                  <MenuItem key={branch.id} value={branch.id}>
                    {branch.name}
                  </MenuItem>
                ))}
              </TextField>
            )}
            {drafts.map((draft, index) => {
              const error = tried ? checked.errors[index] : undefined;
              const row = draft.productId === null ? undefined : byId.get(draft.productId);
              return (
                <Stack key={index} direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ alignItems: "flex-start" }} data-testid="transfer-line">
                  <Autocomplete
                    sx={{ flex: 2, minWidth: 220 }}
                    options={stock}
                    value={row ?? null}
                    getOptionLabel={(option) => option.name}
                    isOptionEqualToValue={(a, b) => a.product_id === b.product_id}
                    onChange={(_event, option) => set(index, { productId: option?.product_id ?? null })}
                    renderInput={(params) => (
                      <TextField
                        {...params}
                        label={t("inventory.product")}
                        name="product"
                        error={Boolean(error?.product)}
                        helperText={
                          error?.product === "required"
                            ? t("common.errors.required")
                            : error?.product === "duplicate"
                              ? t("inventory.transfer.duplicate")
                              : row
                                ? t("inventory.transfer.onHand", { count: row.on_hand })
                                : undefined
                        }
                      />
                    )}
                  />
                  <TextField
                    sx={{ flex: 1, minWidth: 110 }}
                    label={t("inventory.quantity")}
                    name="quantity"
                    value={draft.quantity}
                    onChange={(event) => set(index, { quantity: event.target.value })}
                    error={error?.quantity}
                    helperText={error?.quantity ? t("inventory.quantityError") : undefined}
                    slotProps={{ htmlInput: { inputMode: "numeric", style: { textAlign: "right" } } }}
                  />
                  <IconButton aria-label={t("inventory.removeLine")} disabled={drafts.length === 1} onClick={() => setDrafts(drafts.filter((_, i) => i !== index))} sx={{ mt: 1 }}>
                    <DeleteIcon />
                  </IconButton>
                </Stack>
              );
            })}
            <Button startIcon={<AddIcon />} onClick={() => setDrafts([...drafts, EMPTY])} sx={{ alignSelf: "flex-start" }} data-testid="transfer-add-line">
              {t("inventory.addLine")}
            </Button>
            <TextField label={t("inventory.transfer.note")} name="note" value={note} onChange={(event) => setNote(event.target.value)} slotProps={{ htmlInput: { maxLength: 200 } }} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={branches.isSuccess && others.length === 0} data-testid="transfer-review">
            {t("inventory.transfer.review")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
