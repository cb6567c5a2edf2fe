/**
 * Enroll PCs: make a one-time code (one PC or a batch, shown once with the command to run on the PCs),
 * approve the PCs that asked with it (PC id and zone; replacing an enrolled PC revokes its certificate)
 * or reject them, and revoke a PC (a sensitive action: the broker cuts it off at once, no restart).
 */
import ContentCopyIcon from "@mui/icons-material/ContentCopy";
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Paper,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";

import { backoffice } from "../../api/backoffice";
import { enrollment, type CodeBody, type EnrollCode, type Enrollment, type NewEnrollCode } from "../../api/enrollment";
import { useFormat } from "../../app/branch";
import { confirmationOf, confirmChecks, ConfirmFields, EMPTY_CONFIRM, useUsesTotp, type ConfirmValue } from "../common/ConfirmFields";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { allValid, reason as checkReason, wholeNumber, type Check } from "../common/validate";
import "./messages";

const PC_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PENDING_POLL_MS = 5000;

function pcIdCheck(text: string, optional: boolean): Check {
  const trimmed = text.trim();
  if (trimmed === "") return optional ? null : "required";
  return PC_ID.test(trimmed) ? null : "pcId";
}

function errorText(t: TFunction, check: Check): string | undefined {
  if (check === null) return undefined;
  return check === "pcId" ? t("enrollment.revoke.pcIdRule") : t(`common.errors.${check}`);
}

function useGroups() {
  return useQuery({ queryKey: ["groups"], queryFn: () => backoffice.groups() });
}

function GroupField({ value, onChange, label, emptyLabel }: { value: string; onChange: (value: string) => void; label: string; emptyLabel?: string }) {
  const groups = useGroups();
  return (
    <TextField
      select
      label={label}
      name="group"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      fullWidth
      slotProps={{ select: { displayEmpty: emptyLabel !== undefined }, inputLabel: { shrink: true } }}
    >
      {emptyLabel !== undefined && <MenuItem value="">{emptyLabel}</MenuItem>}
      {(groups.data?.items ?? []).map((group) => (
        <MenuItem key={group.id} value={group.id}>
          {group.name}
        </MenuItem>
      ))}
    </TextField>
  );
}

function NewCode({ made }: { made: NewEnrollCode }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [copied, setCopied] = useState(false);
  const command = `icafe enroll --hub ${window.location.origin} --code ${made.code}`;
  const whom = made.pc_id ? t("enrollment.codes.onePc", { pc: made.pc_id }) : made.uses === 1 ? t("enrollment.codes.anyOne") : t("enrollment.codes.pcs", { count: made.uses });
  const copy = () => {
    // No clipboard on a plain-HTTP console other than localhost: the command stays selectable.
    if ("clipboard" in navigator) void navigator.clipboard.writeText(command).then(() => setCopied(true));
  };
  return (
    <Alert severity="success" data-testid="new-code" sx={{ "& .MuiAlert-message": { width: "100%" } }}>
      <Box>{t("enrollment.codes.made", { whom, time: format.dateTime(made.expires_at) })}</Box>
      <Typography data-testid="enroll-code" sx={{ fontFamily: "monospace", fontSize: 26, fontWeight: 700, letterSpacing: 2, my: 1, userSelect: "all" }}>
        {made.code}
      </Typography>
      <Typography variant="body2">{t("enrollment.codes.shownOnce")}</Typography>
      <Typography variant="body2" sx={{ mt: 1 }}>
        {t("enrollment.codes.command")}
      </Typography>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mt: 0.5 }}>
        <Box component="code" data-testid="enroll-command" sx={{ bgcolor: "background.paper", px: 1, py: 0.5, borderRadius: 1, fontSize: 13, overflowWrap: "anywhere" }}>
          {command}
        </Box>
        <Button size="small" color="inherit" startIcon={<ContentCopyIcon />} onClick={copy} sx={{ flexShrink: 0 }}>
          {copied ? t("enrollment.codes.copied") : t("enrollment.codes.copy")}
        </Button>
      </Stack>
    </Alert>
  );
}

function CreateCode() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [uses, setUses] = useState("1");
  const [pcId, setPcId] = useState("");
  const [group, setGroup] = useState("");
  const [tried, setTried] = useState(false);
  const create = useMutation({
    mutationFn: (body: CodeBody) => enrollment.createCode(body),
    onSuccess: () => {
      setTried(false);
      setPcId("");
      void queryClient.invalidateQueries({ queryKey: ["enroll-codes"] });
    },
  });
  const named = pcId.trim() !== "";
  const checks = { uses: named ? null : wholeNumber(uses, 1, 500), pcId: pcIdCheck(pcId, true) };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (!allValid(checks) || create.isPending) return;
    create.mutate({ uses: named ? 1 : Number(uses), ...(named ? { pc_id: pcId.trim() } : {}), ...(group ? { group } : {}) });
  };
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
        {t("enrollment.codes.create")}
      </Typography>
      <Stack spacing={2}>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <TextField
            label={t("enrollment.codes.uses")}
            name="uses"
            value={named ? "1" : uses}
            onChange={(event) => setUses(event.target.value)}
            disabled={named}
            error={tried && checks.uses !== null}
            helperText={tried && checks.uses ? t(`common.errors.${checks.uses}`) : t("enrollment.codes.usesHint")}
            slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 3 } }}
            fullWidth
          />
          <TextField
            label={t("enrollment.codes.pcId")}
            name="pc_id"
            value={pcId}
            onChange={(event) => setPcId(event.target.value)}
            error={tried && checks.pcId !== null}
            helperText={(tried ? errorText(t, checks.pcId) : undefined) ?? t("enrollment.codes.pcIdHint")}
            autoComplete="off"
            fullWidth
          />
        </Stack>
        <GroupField value={group} onChange={setGroup} label={t("enrollment.codes.group")} emptyLabel={t("enrollment.codes.anyGroup")} />
        {create.isError && <FormError error={create.error} />}
        <Box>
          <Button type="submit" variant="contained" disabled={create.isPending} data-testid="create-code">
            {create.isPending ? t("enrollment.codes.creating") : t("enrollment.codes.create")}
          </Button>
        </Box>
        {create.data && <NewCode made={create.data} />}
      </Stack>
    </Paper>
  );
}

function codeState(code: EnrollCode, now: number): "withdrawn" | "expired" | "usedUp" | "active" {
  if (code.withdrawn_at !== null) return "withdrawn";
  if (code.expires_at <= now) return "expired";
  return code.left === 0 ? "usedUp" : "active";
}

function CodeList() {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const queryClient = useQueryClient();
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 10 });
  const list = useQuery({
    queryKey: ["enroll-codes", page],
    queryFn: () => enrollment.codes(page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
    refetchInterval: PENDING_POLL_MS,
  });
  const withdraw = useMutation({
    mutationFn: (codeId: string) => enrollment.withdrawCode(codeId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["enroll-codes"] }),
  });
  // A code's state as of the list's fetch (refetched every few seconds).
  const now = list.dataUpdatedAt;
  const columns = useMemo<GridColDef<EnrollCode>[]>(() => {
    return [
      { field: "last4", headerName: t("enrollment.codes.columns.code"), width: 100, valueFormatter: (value: string) => `…${value}` },
      {
        field: "uses",
        headerName: t("enrollment.codes.columns.for"),
        width: 150,
        valueGetter: (_value, row) => (row.pc_id ? t("enrollment.codes.onePc", { pc: row.pc_id }) : t("enrollment.codes.pcs", { count: row.uses })),
      },
      { field: "left", headerName: t("enrollment.codes.columns.left"), type: "number", width: 90 },
      { field: "expires_at", headerName: t("enrollment.codes.columns.expires"), width: 180, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "created_by", headerName: t("enrollment.codes.columns.by"), width: 130 },
      {
        field: "state",
        headerName: t("enrollment.codes.columns.state"),
        flex: 1,
        minWidth: 220,
        sortable: false,
        renderCell: ({ row }) => {
          const state = codeState(row, now);
          return (
            <Stack direction="row" spacing={1} sx={{ alignItems: "center", height: "100%" }}>
              <Chip size="small" label={t(`enrollment.codes.${state}`)} color={state === "active" ? "success" : "default"} variant="outlined" />
              {state === "active" && (
                <Button size="small" onClick={() => withdraw.mutate(row.id)} disabled={withdraw.isPending} data-testid={`withdraw-${row.last4}`}>
                  {t("enrollment.codes.withdraw")}
                </Button>
              )}
            </Stack>
          );
        },
      },
    ];
  }, [t, format, withdraw, now]);
  return (
    <Paper sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {t("enrollment.codes.title")}
      </Typography>
      {list.isError && <FormError error={list.error} />}
      {withdraw.isError && <FormError error={withdraw.error} />}
      <Box sx={{ height: 360 }}>
        <DataGrid
          rows={list.data?.items ?? []}
          columns={columns}
          rowCount={list.data?.total ?? 0}
          loading={list.isFetching && !list.data}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0 }}
        />
      </Box>
    </Paper>
  );
}

function ApproveDialog({ request, onClose, onDone }: { request: Enrollment; onClose: () => void; onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const [pcId, setPcId] = useState(request.code_pc_id ?? request.name);
  const [group, setGroup] = useState(request.group ?? "");
  const [replace, setReplace] = useState(false);
  const [tried, setTried] = useState(false);
  const approve = useMutation({
    mutationFn: () => enrollment.approve(request.id, { pc_id: pcId.trim(), replace, ...(group ? { group } : {}) }),
    onSuccess: (answer) => {
      const pc = answer.pc_id ?? pcId;
      onDone(answer.broker === "applied" ? t("enrollment.pending.approved", { pc }) : t("enrollment.pending.approvedLater", { pc, detail: answer.broker_detail ?? answer.broker }));
    },
  });
  const check = pcIdCheck(pcId, false);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (check === null && !approve.isPending) approve.mutate();
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle>{t("enrollment.pending.approveTitle", { name: request.name })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              label={t("enrollment.pending.pcId")}
              name="approve_pc_id"
              value={pcId}
              onChange={(event) => setPcId(event.target.value)}
              disabled={request.code_pc_id !== null}
              error={tried && check !== null}
              helperText={(tried ? errorText(t, check) : undefined) ?? t("enrollment.pending.pcIdHint")}
              autoComplete="off"
              required
            />
            <GroupField value={group} onChange={setGroup} label={t("enrollment.pending.group")} emptyLabel={t("enrollment.codes.anyGroup")} />
            {request.known_pc && <Alert severity="warning">{t("enrollment.pending.known")}</Alert>}
            <FormControlLabel control={<Checkbox checked={replace} onChange={(event) => setReplace(event.target.checked)} name="replace" />} label={t("enrollment.pending.replace")} />
            {approve.isError && <FormError error={approve.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={approve.isPending} data-testid="approve-confirm">
            {approve.isPending ? t("enrollment.pending.approving") : t("enrollment.pending.approve")}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

function RejectDialog({ request, onClose, onDone }: { request: Enrollment; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [tried, setTried] = useState(false);
  const reject = useMutation({ mutationFn: () => enrollment.reject(request.id, text.trim()), onSuccess: onDone });
  const check = checkReason(text);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (check === null && !reject.isPending) reject.mutate();
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle>{t("enrollment.pending.rejectTitle", { name: request.name })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              label={t("enrollment.pending.reason")}
              name="reject_reason"
              value={text}
              onChange={(event) => setText(event.target.value)}
              error={tried && check !== null}
              helperText={tried ? errorText(t, check) : undefined}
              required
              slotProps={{ htmlInput: { maxLength: 500 } }}
            />
            {reject.isError && <FormError error={reject.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" color="error" variant="contained" disabled={reject.isPending} data-testid="reject-confirm">
            {reject.isPending ? t("enrollment.pending.rejecting") : t("enrollment.pending.reject")}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

function PendingList() {
  const { t } = useTranslation();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [deciding, setDeciding] = useState<{ request: Enrollment; action: "approve" | "reject" } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = useQuery({ queryKey: ["enrollments"], queryFn: () => enrollment.pending(0, 100), refetchInterval: PENDING_POLL_MS });
  const finished = (message: string | null) => {
    setDeciding(null);
    setDone(message);
    void queryClient.invalidateQueries({ queryKey: ["enrollments"] });
    void queryClient.invalidateQueries({ queryKey: ["enroll-codes"] });
  };
  const items = list.data?.items ?? [];
  return (
    <Paper sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {t("enrollment.pending.title")}
        {items.length > 0 && <Chip size="small" color="warning" label={list.data?.total ?? items.length} sx={{ ml: 1 }} />}
      </Typography>
      {list.isError && <FormError error={list.error} />}
      {done && (
        <Alert severity="success" onClose={() => setDone(null)} sx={{ mb: 1 }} data-testid="decided">
          {done}
        </Alert>
      )}
      {list.isSuccess && items.length === 0 && <Typography color="text.secondary">{t("enrollment.pending.none")}</Typography>}
      <Stack spacing={1}>
        {items.map((request) => (
          <Paper key={request.id} variant="outlined" sx={{ p: 1.5 }} data-testid={`pending-${request.name}`}>
            <Stack direction={{ xs: "column", md: "row" }} spacing={2} sx={{ alignItems: { md: "center" } }}>
              <Box sx={{ flex: 1, minWidth: 0 }}>
                <Typography sx={{ fontWeight: 600 }}>
                  {request.name}
                  {request.known_pc && <Chip size="small" color="warning" variant="outlined" label={t("enrollment.pending.known").split(":")[0]} sx={{ ml: 1 }} />}
                </Typography>
                <Typography variant="body2" color="text.secondary">
                  {[request.hostname, request.os, request.address ? t("enrollment.pending.from", { address: request.address }) : null, t("enrollment.pending.at", { time: format.dateTime(request.created_at) })]
                    .filter(Boolean)
                    .join(" · ")}
                </Typography>
                <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace" }}>
                  {t("enrollment.pending.key", { fingerprint: request.key_fingerprint.slice(0, 16).replace(/(.{4})(?!$)/g, "$1 ") })}
                </Typography>
              </Box>
              <Stack direction="row" spacing={1} sx={{ flexShrink: 0 }}>
                <Button variant="contained" onClick={() => setDeciding({ request, action: "approve" })} data-testid={`approve-${request.name}`}>
                  {t("enrollment.pending.approve")}
                </Button>
                <Button color="error" onClick={() => setDeciding({ request, action: "reject" })} data-testid={`reject-${request.name}`}>
                  {t("enrollment.pending.reject")}
                </Button>
              </Stack>
            </Stack>
          </Paper>
        ))}
      </Stack>
      {deciding?.action === "approve" && <ApproveDialog request={deciding.request} onClose={() => setDeciding(null)} onDone={finished} />}
      {deciding?.action === "reject" && <RejectDialog request={deciding.request} onClose={() => setDeciding(null)} onDone={() => finished(null)} />}
    </Paper>
  );
}

function RevokePc() {
  const { t } = useTranslation();
  const usesTotp = useUsesTotp();
  const queryClient = useQueryClient();
  const [pcId, setPcId] = useState("");
  const [confirm, setConfirm] = useState<ConfirmValue>(EMPTY_CONFIRM);
  const [tried, setTried] = useState(false);
  const revoke = useMutation({
    mutationFn: () => enrollment.revoke(pcId.trim(), confirmationOf(confirm, usesTotp)),
    onSuccess: () => {
      setTried(false);
      setConfirm(EMPTY_CONFIRM);
      void queryClient.invalidateQueries({ queryKey: ["pcs"] });
    },
  });
  const checks = { pc: pcIdCheck(pcId, false), ...confirmChecks(confirm, usesTotp) };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (allValid(checks) && !revoke.isPending) revoke.mutate();
  };
  const answer = revoke.data;
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {t("enrollment.revoke.title")}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t("enrollment.revoke.hint")}
      </Typography>
      <Stack spacing={2}>
        <TextField
          label={t("enrollment.revoke.pc")}
          name="revoke_pc_id"
          value={pcId}
          onChange={(event) => setPcId(event.target.value)}
          error={tried && checks.pc !== null}
          helperText={tried ? errorText(t, checks.pc) : undefined}
          autoComplete="off"
          required
        />
        <ConfirmFields value={confirm} onChange={setConfirm} errors={tried ? { reason: checks.reason, proof: checks.proof } : {}} />
        {revoke.isError && <FormError error={revoke.error} />}
        {answer && (
          <Alert severity="success" data-testid="revoked">
            {answer.broker === "applied" ? t("enrollment.revoke.done", { pc: answer.pc_id }) : t("enrollment.revoke.doneLater", { pc: answer.pc_id, detail: answer.broker_detail ?? answer.broker })}
          </Alert>
        )}
        <Box>
          <Button type="submit" color="error" variant="contained" disabled={revoke.isPending} data-testid="revoke-pc">
            {revoke.isPending ? t("enrollment.revoke.revoking") : t("enrollment.revoke.button")}
          </Button>
        </Box>
      </Stack>
    </Paper>
  );
}

export default function EnrollmentPage() {
  const { t } = useTranslation();
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 1 }}>
        {t("enrollment.title")}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t("enrollment.intro")}
      </Typography>
      <Stack spacing={2}>
        <PendingList />
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", lg: "1fr 1fr" }, gap: 2, alignItems: "start" }}>
          <CreateCode />
          <RevokePc />
        </Box>
        <CodeList />
      </Stack>
    </Box>
  );
}
