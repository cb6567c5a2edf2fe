/**
 * Members: found as you type (login, name or phone; the hub searches), a page at a time, with their
 * balance and whether they play now; a new member in one dialog; a row opens the member's page.
 */
import PersonAddIcon from "@mui/icons-material/PersonAdd";
import SearchIcon from "@mui/icons-material/Search";
import { Alert, Box, Button, Chip, InputAdornment, Paper, Stack, TextField, Typography } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";

import { frontdesk, type Member } from "../../api/frontdesk";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { ExportMenu } from "../exports/ExportMenu";
import { filtersOf } from "../exports/jobs";
import { MemberFormDialog } from "./MemberFormDialog";
import "./messages";
import { secretLabel } from "./secretLabel";
import { useDebounced } from "./useDebounced";

export default function MembersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const navigate = useNavigate();
  const localeText = useGridLocale();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get("q") ?? "");
  const q = useDebounced(text.trim(), 200);
  const [paging, setPaging] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const [creating, setCreating] = useState(false);

  const list = useQuery({
    queryKey: ["members", "list", q, paging.page, paging.pageSize],
    queryFn: () => frontdesk.members({ ...(q ? { q } : {}), offset: paging.page * paging.pageSize, limit: paging.pageSize }),
    placeholderData: keepPreviousData,
  });

  const search = (value: string) => {
    setText(value);
    setPaging((now) => ({ ...now, page: 0 }));
    setParams(value.trim() ? { q: value.trim() } : {}, { replace: true });
  };

  const columns = useMemo<GridColDef<Member>[]>(
    () => [
      { field: "login", headerName: t("members.columns.login"), width: 150, renderCell: ({ value }) => <b>{String(value)}</b> },
      { field: "name", headerName: t("members.columns.name"), flex: 1, minWidth: 120 },
      { field: "phone", headerName: t("members.columns.phone"), width: 175, valueGetter: (value: string | null | undefined) => value ?? "" },
      {
        field: "balance",
        headerName: t("members.columns.balance"),
        type: "number",
        width: 130,
        valueFormatter: (value: number) => format.money(value),
      },
      {
        field: "active_session",
        headerName: t("members.columns.session"),
        width: 140,
        sortable: false,
        renderCell: ({ value }) => (value ? <Chip size="small" color="primary" variant="outlined" label={t("members.inSession")} /> : null),
      },
      { field: "secret_kind", headerName: t("members.columns.secret"), width: 120, sortable: false, valueGetter: (_value, row) => secretLabel(row, t) },
      { field: "created_at", headerName: t("members.columns.created"), width: 175, valueFormatter: (value: number) => format.dateTime(value) },
    ],
    [t, format],
  );

  const total = list.data?.total ?? 0;
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: "center", gap: 2, flexWrap: "wrap" }}>
        <Typography variant="h5" component="h1">
          {t("members.title")}
        </Typography>
        {list.data && <Typography color="text.secondary">{t("members.total", { count: total })}</Typography>}
        <Box sx={{ flexGrow: 1 }} />
        <ExportMenu kind="members" filters={filtersOf({ q })} formats={["csv", "xlsx"]} />
        {can("members:manage") && (
          <Button variant="contained" startIcon={<PersonAddIcon />} onClick={() => setCreating(true)} data-testid="member-new">
            {t("members.new")}
          </Button>
        )}
      </Stack>
      <Paper variant="outlined" sx={{ p: 1.5 }}>
        <TextField
          value={text}
          onChange={(event) => search(event.target.value)}
          placeholder={t("members.search")}
          aria-label={t("members.search")}
          fullWidth
          autoFocus
          size="small"
          helperText={t("members.searchHint")}
          slotProps={{
            input: { startAdornment: <InputAdornment position="start"><SearchIcon /></InputAdornment> },
            htmlInput: { "data-testid": "members-search", maxLength: 64 },
          }}
        />
      </Paper>
      {list.isError && <Alert severity="error">{messageOf(list.error, t)}</Alert>}
      <Box sx={{ height: "calc(100vh - 300px)", minHeight: 360 }} data-testid="members-list">
        <DataGrid
          rows={list.data?.items ?? []}
          columns={columns}
          rowCount={total}
          loading={list.isFetching}
          paginationMode="server"
          paginationModel={paging}
          onPaginationModelChange={setPaging}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          sortingMode="client"
          localeText={{ ...localeText, noRowsLabel: q ? t("members.none") : t("members.empty") }}
          nonce={GRID_NONCE}
          onRowClick={({ id }) => void navigate(`/members/${encodeURIComponent(String(id))}`)}
          getRowClassName={() => "member-row"}
          sx={{ "& .member-row": { cursor: "pointer" } }}
        />
      </Box>
      {creating && (
        <MemberFormDialog
          onClose={() => setCreating(false)}
          onSaved={(member) => {
            setCreating(false);
            void navigate(`/members/${encodeURIComponent(member.id)}`);
          }}
        />
      )}
    </Stack>
  );
}
