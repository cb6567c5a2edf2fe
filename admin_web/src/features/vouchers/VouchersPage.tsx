/**
 * Vouchers: sell one (a payment with purpose "voucher": the hub makes the code and answers it once),
 * check what a code holds (a POST, so codes stay out of URLs), and the list of those sold (last four
 * characters only).
 */
import PrintIcon from "@mui/icons-material/Print";
import { Alert, Box, Button, Paper, Stack, TextField, Typography } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { IdempotentAction } from "../../api/idempotency";
import { money, type PaymentAnswer, type PaymentBody, type Voucher } from "../../api/money";
import { useSession } from "../../app/auth/session";
import { useBranch, useFormat } from "../../app/branch";
import { parseMoney } from "../../i18n/format";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { methodBody, methodChecks, NEW_METHOD, offered, type MethodValue } from "../common/method";
import { MethodFields } from "../common/MethodFields";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { PdfDialog } from "../common/PdfDialog";
import { allValid, amount as checkAmount, required } from "../common/validate";
import "../pos/messages";
import "./messages";

const PAY_FIELDS = { amount: "amount", terminal_ref: "terminalRef", member_id: "member" };
const PAY_CODES = { terminal_ref_required: "terminalRef", card_number_refused: "terminalRef", insufficient_balance: "member" };

function SellVoucher() {
  const { t } = useTranslation();
  const format = useFormat();
  const branch = useBranch();
  const currency = useCurrency();
  const queryClient = useQueryClient();
  const [value, setValue] = useState("");
  const [method, setMethod] = useState<MethodValue>(NEW_METHOD);
  const [tried, setTried] = useState(false);
  const [sold, setSold] = useState<PaymentAnswer | null>(null);
  const [printing, setPrinting] = useState(false);
  const action = useRef(new IdempotentAction()).current;
  // A voucher is not bought with a voucher (the hub refuses it).
  const methods = offered(branch?.payment_methods, ["voucher"]);
  const chosen = methods.includes(method.method) || methods.length === 0 ? method : { ...method, method: methods[0] ?? "cash" };
  const sell = useMutation({
    mutationFn: (body: PaymentBody) => money.pay(body, action.keyFor(body)),
    onSuccess: (answer) => {
      action.finished();
      setSold(answer);
      setValue("");
      setTried(false);
      void queryClient.invalidateQueries({ queryKey: ["vouchers"] });
      void queryClient.invalidateQueries({ queryKey: ["payments"] });
    },
    onError: (error) => {
      if (error instanceof ApiError && !error.transient) action.finished();
    },
  });
  const checks = { amount: checkAmount(value, currency), ...methodChecks(chosen) };
  const refusal = fieldError(sell.error, PAY_FIELDS, PAY_CODES);
  const errorOf = (field: keyof typeof checks) => (tried ? checks[field] : null) ?? (refusal?.field === field ? refusal.message : null);
  const minor = parseMoney(value, currency);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (!allValid(checks) || minor === null || sell.isPending) return;
    setSold(null);
    sell.mutate({ purpose: "voucher", amount: minor, ...methodBody(chosen) });
  };
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
        {t("vouchers.sell")}
      </Typography>
      <Stack spacing={2}>
        <MoneyField label={t("vouchers.value")} name="voucher_value" value={value} onChange={setValue} error={errorOf("amount")} required />
        <MethodFields value={chosen} onChange={setMethod} methods={methods} errors={{ terminalRef: errorOf("terminalRef"), member: errorOf("member") }} />
        {sell.isError && refusal?.field == null && <FormError error={sell.error} />}
        <Button type="submit" variant="contained" size="large" disabled={sell.isPending} data-testid="sell-voucher">
          {sell.isPending ? t("vouchers.selling") : minor !== null && minor > 0 ? t("vouchers.sellButton", { money: format.money(minor) }) : t("vouchers.sellPlain")}
        </Button>
        {sold && (
          <Alert severity="success" data-testid="voucher-sold">
            <Box>{t("vouchers.sold", { receipt: sold.receipt })}</Box>
            {sold.voucher_code && (
              <Box sx={{ my: 1 }}>
                <Typography variant="caption">{t("vouchers.code")}</Typography>
                <Typography data-testid="voucher-code" sx={{ fontFamily: "monospace", fontSize: 22, fontWeight: 700, letterSpacing: 1, userSelect: "all" }}>
                  {sold.voucher_code}
                </Typography>
                <Typography variant="body2">{t("vouchers.codeHint")}</Typography>
              </Box>
            )}
            <Button size="small" variant="outlined" color="inherit" startIcon={<PrintIcon />} onClick={() => setPrinting(true)}>
              {t("vouchers.printReceipt")}
            </Button>
          </Alert>
        )}
      </Stack>
      {sold && (
        <PdfDialog
          open={printing}
          title={t("vouchers.receiptTitle", { receipt: sold.receipt })}
          documentKey={["receipt", sold.id]}
          load={(layout, language) => money.receiptPdf(sold.id, layout, language)}
          onClose={() => setPrinting(false)}
        />
      )}
    </Paper>
  );
}

function CheckVoucher() {
  const { t } = useTranslation();
  const format = useFormat();
  const [code, setCode] = useState("");
  const [tried, setTried] = useState(false);
  const check = useMutation({ mutationFn: (text: string) => money.checkVoucher(text) });
  const problem = required(code);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem === null) check.mutate(code.trim());
  };
  const found = check.data;
  const notFound = check.error instanceof ApiError && check.error.status === 404;
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 2 }}>
        {t("vouchers.check")}
      </Typography>
      <Stack direction="row" spacing={1} sx={{ alignItems: "flex-start" }}>
        <TextField
          label={t("vouchers.checkCode")}
          name="check_code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={(tried && problem !== null) || notFound}
          helperText={tried && problem ? t(`common.errors.${problem}`) : notFound && check.error instanceof ApiError ? check.error.message : undefined}
          autoComplete="off"
          fullWidth
          slotProps={{ htmlInput: { maxLength: 64 } }}
        />
        <Button type="submit" variant="outlined" disabled={check.isPending} sx={{ height: 56, flexShrink: 0 }} data-testid="check-voucher">
          {check.isPending ? t("vouchers.checking") : t("vouchers.checkButton")}
        </Button>
      </Stack>
      {check.isError && !notFound && <FormError error={check.error} />}
      {found && (
        <Alert severity={found.balance > 0 ? "info" : "warning"} sx={{ mt: 2 }} data-testid="voucher-check">
          <b>…{found.last4}</b> · {t("vouchers.holds", { money: format.money(found.balance), value: format.money(found.value) })}
          <br />
          {found.balance > 0 ? t("vouchers.soldAt", { time: format.dateTime(found.created_at) }) : t("vouchers.empty")}
        </Alert>
      )}
    </Paper>
  );
}

function VoucherList() {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 25 });
  const list = useQuery({
    queryKey: ["vouchers", page],
    queryFn: () => money.vouchers(page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<GridColDef<Voucher>[]>(
    () => [
      { field: "last4", headerName: t("vouchers.columns.code"), width: 110, valueFormatter: (value: string) => `…${value}` },
      { field: "value", headerName: t("vouchers.columns.value"), type: "number", width: 140, valueFormatter: (value: number) => format.money(value) },
      { field: "balance", headerName: t("vouchers.columns.balance"), type: "number", width: 140, valueFormatter: (value: number) => format.money(value) },
      { field: "created_at", headerName: t("vouchers.columns.sold"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "branch", headerName: t("vouchers.columns.branch"), flex: 1, minWidth: 100 },
    ],
    [t, format],
  );
  return (
    <Paper sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {t("vouchers.list")}
      </Typography>
      {list.isError && <FormError error={list.error} />}
      <Box sx={{ height: 420 }}>
        <DataGrid
          rows={list.data?.items ?? []}
          columns={columns}
          rowCount={list.data?.total ?? 0}
          loading={list.isFetching}
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

export default function VouchersPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const collects = can("money:collect");
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("vouchers.title")}
      </Typography>
      <Stack spacing={2}>
        {collects && (
          <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 2, alignItems: "start" }}>
            <SellVoucher />
            <CheckVoucher />
          </Box>
        )}
        <VoucherList />
      </Stack>
    </Box>
  );
}
