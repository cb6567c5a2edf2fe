/** Stocktakes: start one signed by who counts, type what is on the shelves, save, then post the differences. */
import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { inventory, type Stocktake } from "./api";
import { changedCounts, countRows } from "./logic";
import "./messages";

function OpenDialog({ onClose }: { onClose: (sheetId: string | null) => void }) {
  const { t } = useTranslation();
  const [countedBy, setCountedBy] = useState("");
  const [note, setNote] = useState("");
  const [tried, setTried] = useState(false);
  const open = useMutation({ mutationFn: () => inventory.openStocktake(countedBy.trim(), note.trim()), onSuccess: (sheet) => onClose(sheet.id) });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (countedBy.trim()) open.mutate();
  };
  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("inventory.stocktake.openTitle")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              label={t("inventory.stocktake.countedBy")}
              name="counted_by"
              value={countedBy}
              onChange={(event) => setCountedBy(event.target.value)}
              error={tried && !countedBy.trim()}
              helperText={tried && !countedBy.trim() ? t("common.errors.required") : undefined}
              autoFocus
              slotProps={{ htmlInput: { maxLength: 100 } }}
            />
            <TextField label={t("inventory.stocktake.noteLabel")} name="note" value={note} onChange={(event) => setNote(event.target.value)} slotProps={{ htmlInput: { maxLength: 200 } }} />
            {open.isError && <FormError error={open.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={open.isPending} data-testid="stocktake-start">
            {t("inventory.stocktake.start")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function SheetView({ sheet, writes, onBack }: { sheet: Stocktake; writes: boolean; onBack: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const stock = useQuery({ queryKey: ["inventory", "stock"], queryFn: inventory.stock });
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const editable = writes && sheet.state === "open";
  const lines = sheet.lines ?? [];
  const rows = editable ? countRows(stock.data?.items ?? [], lines) : countRows([], lines);
  const changes = changedCounts(rows, typed);
  const update = (next: Stocktake) => {
    queryClient.setQueryData(["inventory", "stocktake", sheet.id], next);
    void queryClient.invalidateQueries({ queryKey: ["inventory"] });
  };
  const save = useMutation({
    mutationFn: () => inventory.count(sheet.id, changes ?? []),
    onSuccess: (next) => {
      setTyped({});
      setMessage(t("inventory.stocktake.saved"));
      update(next);
    },
  });
  const post = useMutation({
    mutationFn: async () => {
      if (changes && changes.length > 0) await inventory.count(sheet.id, changes);
      return inventory.post(sheet.id);
    },
    onSuccess: (next) => {
      setTyped({});
      setConfirming(false);
      setMessage(t("inventory.stocktake.posted", { count: (next.lines ?? []).filter((line) => line.variance !== 0).length }));
      update(next);
    },
  });
  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 2, alignItems: "center", flexWrap: "wrap", gap: 1 }}>
        <Button onClick={onBack}>{t("inventory.stocktake.back")}</Button>
        <Typography variant="h6" component="h2">
          {t("inventory.stocktake.sheet", { name: sheet.counted_by })}
        </Typography>
        <Chip label={t(`inventory.stocktake.states.${sheet.state}`)} color={sheet.state === "posted" ? "success" : "info"} data-testid="sheet-state" />
        <Typography variant="body2" color="text.secondary">
          {format.dateTime(sheet.created_at)}
          {sheet.note ? ` · ${sheet.note}` : ""}
        </Typography>
      </Stack>
      {message && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setMessage(null)} data-testid="sheet-message">
          {message}
        </Alert>
      )}
      {editable && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("inventory.stocktake.hint")}
        </Alert>
      )}
      {(save.isError || post.isError) && <FormError error={save.error ?? post.error} />}
      <Paper sx={{ mb: 2, overflowX: "auto" }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t("inventory.columns.name")}</TableCell>
              <TableCell align="right">{t("inventory.columns.expected")}</TableCell>
              <TableCell align="right">{t("inventory.columns.counted")}</TableCell>
              <TableCell align="right">{t("inventory.columns.variance")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row) => {
              const variance = row.variance;
              return (
                <TableRow key={row.product_id} data-testid={`count-${row.product_id}`}>
                  <TableCell>{row.name}</TableCell>
                  <TableCell align="right">{row.expected}</TableCell>
                  <TableCell align="right" sx={{ width: 160 }}>
                    {editable ? (
                      <TextField
                        size="small"
                        name={`count-${row.product_id}`}
                        value={typed[row.product_id] ?? (row.counted === null ? "" : String(row.counted))}
                        onChange={(event) => setTyped({ ...typed, [row.product_id]: event.target.value })}
                        slotProps={{ htmlInput: { inputMode: "numeric", style: { textAlign: "right" }, "aria-label": row.name } }}
                      />
                    ) : (
                      (row.counted ?? "")
                    )}
                  </TableCell>
                  <TableCell align="right" sx={{ color: variance === null || variance === 0 ? undefined : variance < 0 ? "error.main" : "success.main", fontWeight: variance ? 600 : undefined }}>
                    {variance === null ? "" : variance > 0 ? `+${variance}` : variance}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Paper>
      {changes === null && <FormError message={t("inventory.countError")} />}
      {editable && (
        <Stack direction="row" spacing={2} sx={{ justifyContent: "flex-end" }}>
          <Button variant="outlined" disabled={save.isPending || !changes || changes.length === 0} onClick={() => save.mutate()} data-testid="save-counts">
            {t("inventory.stocktake.saveCounts")}
          </Button>
          <Button variant="contained" disabled={post.isPending || changes === null || (lines.length === 0 && changes.length === 0)} onClick={() => setConfirming(true)} data-testid="post-stocktake">
            {t("inventory.stocktake.post")}
          </Button>
        </Stack>
      )}
      {confirming && (
        <Dialog open onClose={() => setConfirming(false)} maxWidth="xs">
          <DialogTitle>{t("inventory.stocktake.post")}</DialogTitle>
          <DialogContent>
            <DialogContentText>{t("inventory.stocktake.postConfirm", { name: sheet.counted_by })}</DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setConfirming(false)}>{t("common.cancel")}</Button>
            <Button variant="contained" onClick={() => post.mutate()} disabled={post.isPending} data-testid="confirm-post">
              {t("inventory.stocktake.post")}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
}

export function StocktakesTab() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const writes = can("inventory:write");
  const [params, setParams] = useSearchParams();
  const sheetId = params.get("sheet");
  const [opening, setOpening] = useState(false);
  const list = useQuery({ queryKey: ["inventory", "stocktakes"], queryFn: () => inventory.stocktakes(0, 100), enabled: sheetId === null });
  const sheet = useQuery({ queryKey: ["inventory", "stocktake", sheetId], queryFn: () => inventory.stocktake(sheetId ?? ""), enabled: sheetId !== null });
  const show = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set("sheet", id);
    else next.delete("sheet");
    setParams(next);
  };
  if (sheetId !== null) {
    if (sheet.isError) return <FormError error={sheet.error} />;
    return sheet.data ? <SheetView key={sheet.data.id} sheet={sheet.data} writes={writes} onBack={() => show(null)} /> : null;
  }
  const sheets = list.data?.items ?? [];
  return (
    <Box>
      {writes && (
        <Stack direction="row" sx={{ mb: 2, justifyContent: "flex-end" }}>
          <Button variant="contained" onClick={() => setOpening(true)} data-testid="stocktake-open">
            {t("inventory.stocktake.open")}
          </Button>
        </Stack>
      )}
      {list.isError && <FormError error={list.error} />}
      {list.isSuccess && sheets.length === 0 && <Alert severity="info">{t("inventory.stocktake.none")}</Alert>}
      {sheets.length > 0 && (
        <Paper>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t("inventory.stocktake.countedBy")}</TableCell>
                <TableCell>{t("inventory.stocktake.createdAt")}</TableCell>
                <TableCell>{t("inventory.stocktake.postedAt")}</TableCell>
                <TableCell>{t("inventory.columns.state")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {sheets.map((item) => (
                <TableRow key={item.id} hover sx={{ cursor: "pointer" }} onClick={() => show(item.id)}>
                  <TableCell>{item.counted_by}</TableCell>
                  <TableCell>{format.dateTime(item.created_at)}</TableCell>
                  <TableCell>{item.posted_at ? format.dateTime(item.posted_at) : ""}</TableCell>
                  <TableCell>
                    <Chip size="small" label={t(`inventory.stocktake.states.${item.state}`)} color={item.state === "posted" ? "success" : "info"} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      )}
      {opening && (
        <OpenDialog
          onClose={(id) => {
            setOpening(false);
            if (id) show(id);
          }}
        />
      )}
    </Box>
  );
}
