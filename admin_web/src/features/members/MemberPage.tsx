/**
 * One member: balance (top up, adjust), name and phone (edit), PIN or password, the session they play
 * now, and their history: balance entries, sessions and payments.
 */
import AccountBalanceWalletIcon from "@mui/icons-material/AccountBalanceWallet";
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import EditIcon from "@mui/icons-material/Edit";
import KeyIcon from "@mui/icons-material/Key";
import TuneIcon from "@mui/icons-material/Tune";
import { Alert, Box, Button, Chip, LinearProgress, Paper, Stack, Tab, Tabs, Typography } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useParams } from "react-router";

import { ApiError } from "../../api/errors";
import { frontdesk, type BalanceEntry, type SessionListItem } from "../../api/frontdesk";
import { money, type Payment } from "../../api/money";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import "../pcs/messages";
import { AdjustDialog } from "./AdjustDialog";
import { MemberFormDialog } from "./MemberFormDialog";
import "./messages";
import { SecretDialog } from "./SecretDialog";
import { secretLabel } from "./secretLabel";
import { TopUpDialog } from "./TopUpDialog";

type Dialog = "topup" | "adjust" | "edit" | "secret" | null;
type Tab = "entries" | "sessions" | "payments";

const number = { type: "number" as const, headerAlign: "right" as const, align: "right" as const };

export default function MemberPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const { memberRef = "" } = useParams();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [tab, setTab] = useState<Tab>("entries");
  const member = useQuery({ queryKey: ["members", "one", memberRef], queryFn: () => frontdesk.member(memberRef) });

  if (member.isPending) return <LinearProgress />;
  if (member.isError) {
    const missing = member.error instanceof ApiError && member.error.status === 404;
    return (
      <Stack spacing={2}>
        <BackLink />
        <Alert severity={missing ? "warning" : "error"}>{missing ? t("members.notFound") : messageOf(member.error, t)}</Alert>
      </Stack>
    );
  }
  const data = member.data;
  return (
    <Stack spacing={2} data-testid="member-page" data-member={data.login}>
      <BackLink />
      <Paper variant="outlined" sx={{ p: 2.5 }}>
        <Stack direction={{ xs: "column", md: "row" }} sx={{ gap: 3, alignItems: { md: "flex-start" } }}>
          <Box sx={{ flexGrow: 1, minWidth: 0 }}>
            <Typography variant="h5" component="h1" sx={{ fontWeight: 700 }}>
              {data.login}
            </Typography>
            <Typography color="text.secondary">{[data.name, data.phone].filter(Boolean).join(" · ") || "—"}</Typography>
            <Stack direction="row" sx={{ gap: 1, mt: 1.5, flexWrap: "wrap" }}>
              {data.active_session && <Chip color="primary" label={t("members.inSession")} data-testid="member-playing" />}
              <Chip variant="outlined" label={secretLabel(data, t)} />
              <Chip variant="outlined" label={t("members.detail.created", { date: format.dateTime(data.created_at) })} />
            </Stack>
          </Box>
          <Box sx={{ textAlign: { md: "right" } }}>
            <Typography color="text.secondary">{t("members.detail.balance")}</Typography>
            <Typography variant="h4" component="p" sx={{ fontWeight: 700, fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" }} data-testid="member-balance" data-amount={data.balance}>
              {format.money(data.balance)}
            </Typography>
          </Box>
        </Stack>
        <Stack direction="row" sx={{ gap: 1, mt: 2, flexWrap: "wrap" }}>
          {can("money:collect") && (
            <Button variant="contained" startIcon={<AccountBalanceWalletIcon />} onClick={() => setDialog("topup")} data-testid="member-topup">
              {t("members.topup.button")}
            </Button>
          )}
          {can("sessions:grant") && (
            <Button variant="outlined" startIcon={<TuneIcon />} onClick={() => setDialog("adjust")} data-testid="member-adjust">
              {t("members.adjust.button")}
            </Button>
          )}
          {can("members:manage") && (
            <>
              <Button variant="outlined" startIcon={<EditIcon />} onClick={() => setDialog("edit")} data-testid="member-edit">
                {t("members.edit.button")}
              </Button>
              <Button variant="outlined" startIcon={<KeyIcon />} onClick={() => setDialog("secret")} data-testid="member-secret-button">
                {t("members.secret.button")}
              </Button>
            </>
          )}
        </Stack>
      </Paper>
      <Paper variant="outlined">
        <Tabs value={tab} onChange={(_, next: Tab) => setTab(next)} sx={{ px: 1, borderBottom: 1, borderColor: "divider" }}>
          <Tab value="entries" label={t("members.detail.entries")} data-testid="tab-entries" />
          {can("sessions:read") && <Tab value="sessions" label={t("members.detail.sessions")} data-testid="tab-sessions" />}
          {can("money:read") && <Tab value="payments" label={t("members.detail.payments")} data-testid="tab-payments" />}
        </Tabs>
        <Box sx={{ height: 420 }}>
          {tab === "entries" && <Entries entries={data.entries} />}
          {tab === "sessions" && <Sessions memberId={data.id} />}
          {tab === "payments" && <Payments memberId={data.id} />}
        </Box>
      </Paper>
      {dialog === "topup" && <TopUpDialog member={data} onClose={() => setDialog(null)} />}
      {dialog === "adjust" && <AdjustDialog member={data} onClose={() => setDialog(null)} />}
      {dialog === "secret" && <SecretDialog member={data} onClose={() => setDialog(null)} />}
      {dialog === "edit" && <MemberFormDialog member={data} onClose={() => setDialog(null)} onSaved={() => setDialog(null)} />}
    </Stack>
  );
}

function BackLink() {
  const { t } = useTranslation();
  return (
    <Box>
      <Button component={RouterLink} to="/members" startIcon={<ArrowBackIcon />} size="small">
        {t("members.back")}
      </Button>
    </Box>
  );
}

function Entries({ entries }: { entries: BalanceEntry[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const columns = useMemo<GridColDef<BalanceEntry>[]>(
    () => [
      { field: "at", headerName: t("members.entry.at"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      {
        field: "kind",
        headerName: t("members.entry.what"),
        width: 160,
        valueGetter: (_value, row) => t(`members.entryKinds.${row.purpose ?? row.kind}`, { defaultValue: row.purpose ?? row.kind }),
      },
      {
        field: "change",
        headerName: t("members.entry.change"),
        ...number,
        width: 150,
        valueFormatter: (value: number) => (value > 0 ? `+${format.money(value)}` : format.money(value)),
      },
      { field: "receipt_no", headerName: t("members.entry.receipt"), width: 110, valueGetter: (value: number | null) => value ?? "" },
      { field: "reason", headerName: t("members.entry.reason"), flex: 1, minWidth: 160, valueGetter: (value: string | null) => value ?? "" },
    ],
    [t, format],
  );
  return (
    <DataGrid
      rows={entries}
      columns={columns}
      density="compact"
      disableRowSelectionOnClick
      initialState={{ pagination: { paginationModel: { pageSize: 25 } } }}
      pageSizeOptions={PAGE_SIZES}
      localeText={{ ...localeText, noRowsLabel: t("members.detail.noEntries") }}
      nonce={GRID_NONCE}
      sx={{ border: 0 }}
      data-testid="member-entries"
    />
  );
}

function usePaged() {
  return useState<GridPaginationModel>({ page: 0, pageSize: 25 });
}

function Sessions({ memberId }: { memberId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [paging, setPaging] = usePaged();
  const sessions = useQuery({
    queryKey: ["sessions", "member", memberId, paging.page, paging.pageSize],
    queryFn: () => frontdesk.sessions({ member_id: memberId, offset: paging.page * paging.pageSize, limit: paging.pageSize }),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<GridColDef<SessionListItem>[]>(
    () => [
      { field: "started_at", headerName: t("members.session.started"), width: 195, valueFormatter: (value: number | null) => (value ? format.dateTime(value) : "") },
      { field: "pc_id", headerName: t("members.session.pc"), width: 110 },
      { field: "used_ms", headerName: t("members.session.used"), ...number, width: 120, valueFormatter: (value: number) => format.duration(value) },
      { field: "cost", headerName: t("members.session.cost"), ...number, width: 140, valueFormatter: (value: number | null) => (value === null ? "" : format.money(value)) },
      { field: "state", headerName: t("members.session.state"), width: 130, valueFormatter: (value: string) => t(`members.states.${value}`, { defaultValue: value }) },
      { field: "end_reason", headerName: t("members.session.reason"), flex: 1, minWidth: 140, valueGetter: (value: string | null | undefined) => value ?? "" },
    ],
    [t, format],
  );
  if (sessions.isError) return <Alert severity="error">{messageOf(sessions.error, t)}</Alert>;
  return (
    <DataGrid
      rows={sessions.data?.items ?? []}
      columns={columns}
      rowCount={sessions.data?.total ?? 0}
      loading={sessions.isFetching}
      paginationMode="server"
      paginationModel={paging}
      onPaginationModelChange={setPaging}
      pageSizeOptions={PAGE_SIZES}
      density="compact"
      disableRowSelectionOnClick
      localeText={{ ...localeText, noRowsLabel: t("members.detail.noEntries") }}
      nonce={GRID_NONCE}
      sx={{ border: 0 }}
      data-testid="member-sessions"
    />
  );
}

function Payments({ memberId }: { memberId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [paging, setPaging] = usePaged();
  const payments = useQuery({
    queryKey: ["payments", "member", memberId, paging.page, paging.pageSize],
    queryFn: () => money.payments({ member_id: memberId }, paging.page * paging.pageSize, paging.pageSize),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<GridColDef<Payment>[]>(
    () => [
      { field: "at", headerName: t("members.payment.at"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      {
        field: "purpose",
        headerName: t("members.payment.what"),
        width: 170,
        valueGetter: (_value, row) => `${t(`common.kinds.${row.kind}`, { defaultValue: row.kind })} · ${t(`common.purposes.${row.purpose}`, { defaultValue: row.purpose })}`,
      },
      { field: "method", headerName: t("members.payment.method"), width: 140, valueFormatter: (value: string) => t(`common.methods.${value}`, { defaultValue: value }) },
      {
        field: "amount",
        headerName: t("members.payment.amount"),
        ...number,
        width: 150,
        valueGetter: (_value, row) => (row.kind === "refund" ? -row.amount : row.amount),
        valueFormatter: (value: number) => format.money(value),
      },
      { field: "receipt", headerName: t("members.payment.receipt"), width: 150, valueGetter: (value: string | null) => value ?? "" },
      { field: "staff", headerName: t("members.payment.staff"), flex: 1, minWidth: 120, valueGetter: (value: string | null) => value ?? "" },
    ],
    [t, format],
  );
  if (payments.isError) return <Alert severity="error">{messageOf(payments.error, t)}</Alert>;
  return (
    <DataGrid
      rows={payments.data?.items ?? []}
      columns={columns}
      rowCount={payments.data?.total ?? 0}
      loading={payments.isFetching}
      paginationMode="server"
      paginationModel={paging}
      onPaginationModelChange={setPaging}
      pageSizeOptions={PAGE_SIZES}
      density="compact"
      disableRowSelectionOnClick
      localeText={{ ...localeText, noRowsLabel: t("members.detail.noEntries") }}
      nonce={GRID_NONCE}
      sx={{ border: 0 }}
      data-testid="member-payments"
    />
  );
}

