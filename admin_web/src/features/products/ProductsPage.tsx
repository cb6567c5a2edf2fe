/** The product catalogue: add, rename, reprice, categorise, withdraw from sale and put back (settings:manage). */
import AddIcon from "@mui/icons-material/Add";
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Paper,
  Stack,
  Switch,
  TextField,
  Typography,
} from "@mui/material";
import { DataGrid, type GridColDef, type GridRowParams } from "@mui/x-data-grid";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { money, type Product, type ProductBody } from "../../api/money";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { moneyInputText, parseMoney } from "../../i18n/format";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { GRID_NONCE, useGridLocale } from "../common/grid";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { allValid, amount as checkAmount, required } from "../common/validate";
import { categories } from "../pos/cart";
import "./messages";

const FIELDS = { name: "name", price: "price", category: "category" };
const CODES = { name_taken: "name" };

function ProductDialog({ product, known, onClose }: { product: Product | null; known: string[]; onClose: (saved: string | null) => void }) {
  const { t } = useTranslation();
  const currency = useCurrency();
  const queryClient = useQueryClient();
  const [name, setName] = useState(product?.name ?? "");
  const [price, setPrice] = useState(product ? moneyInputText(product.price, currency) : "");
  const [category, setCategory] = useState(product?.category ?? "");
  const [active, setActive] = useState(product?.active ?? true);
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: (body: ProductBody & { active: boolean }) =>
      product === null
        ? money.createProduct({ name: body.name, price: body.price, category: body.category })
        : money.updateProduct(product.id, body),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["products"] });
      onClose(saved.name);
    },
  });
  const checks = { name: required(name), price: checkAmount(price, currency, 0) };
  const refusal = fieldError(save.error, FIELDS, CODES);
  const errorOf = (field: "name" | "price" | "category") => (tried && field !== "category" ? checks[field] : null) ?? (refusal?.field === field ? refusal.message : null);
  const text = (error: string | null) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    const minor = parseMoney(price, currency);
    if (allValid(checks) && minor !== null) save.mutate({ name: name.trim(), price: minor, category: category.trim(), active });
  };
  return (
    <Dialog open onClose={() => onClose(null)} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{product ? t("products.edit", { name: product.name }) : t("products.add")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField
              label={t("products.name")}
              name="name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              error={Boolean(errorOf("name"))}
              helperText={text(errorOf("name"))}
              required
              autoFocus
              slotProps={{ htmlInput: { maxLength: 100 } }}
            />
            <MoneyField label={t("products.price")} name="price" value={price} onChange={setPrice} error={errorOf("price")} required />
            <Autocomplete
              freeSolo
              options={known.filter(Boolean)}
              inputValue={category}
              onInputChange={(_event, value) => setCategory(value)}
              renderInput={(params) => (
                <TextField
                  {...params}
                  label={t("products.category")}
                  name="category"
                  error={Boolean(errorOf("category"))}
                  helperText={text(errorOf("category")) ?? t("products.categoryHint")}
                  slotProps={{ ...params.slotProps, htmlInput: { ...params.slotProps.htmlInput, maxLength: 50 } }}
                />
              )}
            />
            {product && <FormControlLabel control={<Switch checked={active} onChange={(event) => setActive(event.target.checked)} />} label={t("products.active")} />}
            {save.isError && refusal?.field == null && <FormError error={save.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={save.isPending} data-testid="save-product">
            {t("common.save")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export default function ProductsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const manages = can("settings:manage");
  const localeText = useGridLocale();
  const [withdrawn, setWithdrawn] = useState(false);
  const [editing, setEditing] = useState<Product | "new" | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const list = useQuery({ queryKey: ["products", "all", withdrawn], queryFn: () => money.products(withdrawn) });
  const products = list.data?.items ?? [];

  const columns = useMemo<GridColDef<Product>[]>(
    () => [
      { field: "name", headerName: t("products.columns.name"), flex: 2, minWidth: 180 },
      { field: "category", headerName: t("products.columns.category"), flex: 1, minWidth: 130 },
      { field: "price", headerName: t("products.columns.price"), type: "number", width: 150, valueFormatter: (value: number) => format.money(value) },
      {
        field: "active",
        headerName: t("products.columns.active"),
        width: 170,
        renderCell: (cell) =>
          cell.row.active ? <Chip size="small" color="success" variant="outlined" label={t("products.active")} /> : <Chip size="small" label={t("products.withdrawn")} />,
      },
    ],
    [t, format],
  );

  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2, flexWrap: "wrap" }}>
        <Typography variant="h5" component="h1">
          {t("products.title")}
        </Typography>
        <Stack direction="row" spacing={2} sx={{ alignItems: "center" }}>
          <FormControlLabel control={<Switch checked={withdrawn} onChange={(event) => setWithdrawn(event.target.checked)} />} label={t("products.showWithdrawn")} />
          {manages && (
            <Button variant="contained" startIcon={<AddIcon />} onClick={() => setEditing("new")} data-testid="add-product">
              {t("products.add")}
            </Button>
          )}
        </Stack>
      </Stack>
      {!manages && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("common.readOnly")}
        </Alert>
      )}
      {saved && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setSaved(null)}>
          {t("products.saved", { name: saved })}
        </Alert>
      )}
      {list.isError && <FormError error={list.error} />}
      {list.isSuccess && products.length === 0 && <Alert severity="info">{t("products.empty")}</Alert>}
      <Paper sx={{ height: "calc(100vh - 220px)", minHeight: 320 }}>
        <DataGrid
          rows={products}
          columns={columns}
          loading={list.isFetching}
          density="compact"
          disableRowSelectionOnClick
          hideFooter={products.length <= 100}
          onRowClick={(row: GridRowParams<Product>) => manages && setEditing(row.row)}
          localeText={localeText}
          nonce={GRID_NONCE}
          initialState={{ sorting: { sortModel: [{ field: "category", sort: "asc" }] } }}
          sx={{ border: 0, "& .MuiDataGrid-row": { cursor: manages ? "pointer" : "default" } }}
        />
      </Paper>
      {editing !== null && (
        <ProductDialog
          product={editing === "new" ? null : editing}
          known={categories(products, format.language)}
          onClose={(name) => {
            setEditing(null);
            if (name) setSaved(name);
          }}
        />
      )}
    </Box>
  );
}
