/**
 * The front desk's sale: products by category, a cart, and the payment. The cart's sum is the
 * catalogue's; the hub prices the sale and refuses a stale sum (409 price_changed), after which the
 * catalogue is reloaded and the cart shows the new prices. One Idempotency-Key per sale, the same for
 * every retry of it, so a lost answer never charges twice.
 */
import AddIcon from "@mui/icons-material/Add";
import DeleteOutlineIcon from "@mui/icons-material/DeleteOutlined";
import PrintIcon from "@mui/icons-material/Print";
import RemoveIcon from "@mui/icons-material/Remove";
import {
  Alert,
  Box,
  Button,
  ButtonBase,
  Chip,
  Divider,
  IconButton,
  LinearProgress,
  Paper,
  Stack,
  Tooltip,
  Typography,
} from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { IdempotentAction } from "../../api/idempotency";
import { money, type PaymentAnswer, type PaymentBody, type Product } from "../../api/money";
import { useBranch, useFormat } from "../../app/branch";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { methodBody, methodChecks, NEW_METHOD, offered, type MethodValue } from "../common/method";
import { MethodFields } from "../common/MethodFields";
import { PdfDialog } from "../common/PdfDialog";
import { allValid } from "../common/validate";
import { add, categories, count, items, price, setQuantity, withoutMissing, type Cart } from "./cart";
import "./messages";

const ALL = "\u0000all";

/** Which field a refusal of a payment is about. */
const PAY_FIELDS = { terminal_ref: "terminalRef", voucher_code: "voucherCode", member_id: "member", items: "cart" };
const PAY_CODES = {
  terminal_ref_required: "terminalRef",
  card_number_refused: "terminalRef",
  voucher_not_found: "voucherCode",
  insufficient_balance: "method",
};

function ProductTile({ product, inCart, onAdd }: { product: Product; inCart: number; onAdd: () => void }) {
  const format = useFormat();
  return (
    <ButtonBase
      onClick={onAdd}
      focusRipple
      data-testid={`product-${product.id}`}
      aria-label={`${product.name}, ${format.money(product.price)}`}
      sx={{
        display: "flex",
        flexDirection: "column",
        alignItems: "stretch",
        justifyContent: "space-between",
        textAlign: "left",
        p: 1.5,
        minHeight: 88,
        borderRadius: 2,
        border: 1,
        borderColor: inCart ? "primary.main" : "divider",
        bgcolor: inCart ? "rgba(11, 110, 79, 0.06)" : "background.paper",
        "&:hover": { borderColor: "primary.main" },
        "&.Mui-focusVisible": { outline: "2px solid", outlineColor: "primary.main" },
      }}
    >
      <Typography variant="body1" sx={{ fontWeight: 600, lineHeight: 1.25, overflowWrap: "anywhere" }}>
        {product.name}
      </Typography>
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center", mt: 1 }}>
        <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: "nowrap" }}>
          {format.money(product.price)}
        </Typography>
        {inCart > 0 && <Chip size="small" color="primary" label={`×${inCart}`} />}
      </Stack>
    </ButtonBase>
  );
}

export default function PosPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const branch = useBranch();
  const queryClient = useQueryClient();
  const catalogue = useQuery({ queryKey: ["products", "sale"], queryFn: () => money.products() });
  const products = useMemo(() => catalogue.data?.items ?? [], [catalogue.data]);
  const [category, setCategory] = useState(ALL);
  const [cart, setCart] = useState<Cart>([]);
  const [method, setMethod] = useState<MethodValue>(NEW_METHOD);
  const [tried, setTried] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [paid, setPaid] = useState<PaymentAnswer | null>(null);
  const [printing, setPrinting] = useState(false);
  const action = useRef(new IdempotentAction()).current;

  const methods = offered(branch?.payment_methods);
  const chosen: MethodValue = methods.includes(method.method) || methods.length === 0 ? method : { ...method, method: methods[0] ?? "cash" };
  const priced = price(cart, products);
  const shown = category === ALL ? products : products.filter((product) => product.category === category);
  const checks = methodChecks(chosen);

  const pay = useMutation({
    mutationFn: (body: PaymentBody) => money.pay(body, action.keyFor(body)),
    onSuccess: (answer) => {
      action.finished();
      setPaid(answer);
      setCart([]);
      setTried(false);
      setMethod((current) => ({ ...NEW_METHOD, method: current.method }));
      void queryClient.invalidateQueries({ queryKey: ["payments"] });
      void queryClient.invalidateQueries({ queryKey: ["shifts"] });
    },
    onError: async (error) => {
      // A fault (offline, 5xx, 429) keeps the key: trying again is the same sale. A refusal is final.
      if (error instanceof ApiError && !error.transient) action.finished();
      if (error instanceof ApiError && (error.code === "price_changed" || (error.code === "not_found" && error.message.startsWith("product")))) {
        const fresh = await catalogue.refetch();
        const latest = fresh.data?.items ?? products;
        const removed = price(cart, latest).missing.length;
        setCart((current) => withoutMissing(current, latest));
        setNotice(removed > 0 ? `${t("pos.priceChanged")} ${t("pos.removed", { count: removed })}` : t("pos.priceChanged"));
      }
    },
  });

  const refusal = pay.error instanceof ApiError && pay.error.code !== "price_changed" ? fieldError(pay.error, PAY_FIELDS, PAY_CODES) : null;
  const shownErrors = {
    terminalRef: (tried ? checks.terminalRef : null) ?? (refusal?.field === "terminalRef" ? refusal.message : null),
    voucherCode: (tried ? checks.voucherCode : null) ?? (refusal?.field === "voucherCode" ? refusal.message : null),
    member: (tried ? checks.member : null) ?? (refusal?.field === "member" ? refusal.message : null),
  };

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    setNotice(null);
    if (!allValid(checks) || priced.lines.length === 0 || pay.isPending) return;
    setPaid(null);
    pay.mutate({ purpose: "sale", items: items(cart), amount: priced.total, ...methodBody(chosen) });
  };

  const changeCart = (next: Cart) => {
    setCart(next);
    setPaid(null);
    setNotice(null);
  };

  const cats = categories(products, format.language);
  const byName = (a: Product, b: Product) => a.name.localeCompare(b.name, format.language);
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("pos.title")}
      </Typography>
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "minmax(0, 1fr) 380px" }, gap: 2, alignItems: "start" }}>
        <Paper sx={{ p: 2 }}>
          <Stack direction="row" spacing={1} sx={{ mb: 2, flexWrap: "wrap", rowGap: 1 }} role="tablist">
            {[ALL, ...cats].map((name) => (
              <Chip
                key={name}
                role="tab"
                aria-selected={category === name}
                label={name === ALL ? t("pos.all") : name || t("pos.uncategorised")}
                color={category === name ? "primary" : "default"}
                variant={category === name ? "filled" : "outlined"}
                onClick={() => setCategory(name)}
                data-testid={`category-${name === ALL ? "all" : name}`}
              />
            ))}
          </Stack>
          {catalogue.isPending && <LinearProgress />}
          {catalogue.isError && <FormError error={catalogue.error} />}
          {catalogue.isSuccess && products.length === 0 && <Alert severity="info">{t("pos.noProducts")}</Alert>}
          <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(150px, 1fr))", gap: 1.5 }}>
            {[...shown].sort(byName).map((product) => (
              <ProductTile
                key={product.id}
                product={product}
                inCart={cart.find((line) => line.productId === product.id)?.quantity ?? 0}
                onAdd={() => changeCart(add(cart, product.id))}
              />
            ))}
          </Box>
        </Paper>

        <Paper component="form" onSubmit={submit} noValidate sx={{ p: 2, position: { md: "sticky" }, top: { md: 80 } }} aria-label={t("pos.cart")}>
          <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center", mb: 1 }}>
            <Typography variant="h6" component="h2">
              {t("pos.cart")} {count(cart) > 0 && <Chip size="small" label={count(cart)} sx={{ ml: 1 }} />}
            </Typography>
            {cart.length > 0 && (
              <Button size="small" onClick={() => changeCart([])}>
                {t("pos.clear")}
              </Button>
            )}
          </Stack>
          {priced.lines.length === 0 ? (
            <Typography color="text.secondary" sx={{ py: 2 }}>
              {t("pos.emptyCart")}
            </Typography>
          ) : (
            <Stack divider={<Divider flexItem />} data-testid="cart">
              {priced.lines.map((line) => (
                <Box key={line.productId} sx={{ display: "grid", gridTemplateColumns: "minmax(0,1fr) auto", alignItems: "center", py: 0.75, columnGap: 1 }} data-testid={`cart-${line.productId}`}>
                  <Typography noWrap title={line.product.name} sx={{ fontWeight: 500 }}>
                    {line.product.name}
                  </Typography>
                  <Typography sx={{ textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" }}>{format.money(line.total)}</Typography>
                  <Stack direction="row" sx={{ alignItems: "center" }}>
                    <Tooltip title={t("pos.less")}>
                      <IconButton size="small" aria-label={t("pos.less")} onClick={() => changeCart(setQuantity(cart, line.productId, line.quantity - 1))}>
                        <RemoveIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                    <Typography sx={{ minWidth: 28, textAlign: "center", fontVariantNumeric: "tabular-nums" }} aria-label={t("pos.quantity")}>
                      {line.quantity}
                    </Typography>
                    <Tooltip title={t("pos.more")}>
                      <IconButton size="small" aria-label={t("pos.more")} onClick={() => changeCart(setQuantity(cart, line.productId, line.quantity + 1))}>
                        <AddIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                    <Typography variant="caption" color="text.secondary" sx={{ ml: 1, whiteSpace: "nowrap" }}>
                      × {format.money(line.product.price)}
                    </Typography>
                  </Stack>
                  <Box sx={{ textAlign: "right" }}>
                    <Tooltip title={t("pos.remove")}>
                      <IconButton size="small" aria-label={t("pos.remove")} onClick={() => changeCart(setQuantity(cart, line.productId, 0))}>
                        <DeleteOutlineIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                  </Box>
                </Box>
              ))}
            </Stack>
          )}
          <Divider sx={{ my: 1.5 }} />
          <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "baseline", mb: 2 }}>
            <Tooltip title={t("pos.totalHint")}>
              <Typography variant="subtitle1">{t("pos.total")}</Typography>
            </Tooltip>
            <Typography variant="h5" component="p" data-testid="cart-total" sx={{ fontWeight: 700, fontVariantNumeric: "tabular-nums" }}>
              {format.money(priced.total)}
            </Typography>
          </Stack>
          <MethodFields value={chosen} onChange={setMethod} methods={methods} errors={shownErrors} />
          <Stack spacing={1.5} sx={{ mt: 2 }}>
            {notice && (
              <Alert severity="warning" data-testid="price-changed">
                {notice}
              </Alert>
            )}
            {pay.isError && !notice && !(refusal?.field && refusal.field !== "method") && (
              <FormError error={pay.error} message={refusal?.field === "method" ? refusal.message : undefined} />
            )}
            <Button type="submit" variant="contained" size="large" disabled={priced.lines.length === 0 || pay.isPending} data-testid="pay">
              {pay.isPending ? t("pos.paying") : t("pos.pay", { money: format.money(priced.total) })}
            </Button>
            {paid && (
              <Alert severity="success" data-testid="paid">
                <Box>
                  {paid.replayed
                    ? t("pos.replayed", { receipt: paid.receipt })
                    : paid.balance !== undefined
                      ? t("pos.doneBalance", { receipt: paid.receipt, money: format.money(paid.balance) })
                      : t("pos.done", { receipt: paid.receipt })}
                </Box>
                <Button size="small" variant="outlined" color="inherit" startIcon={<PrintIcon />} onClick={() => setPrinting(true)} data-testid="print-receipt" sx={{ mt: 1 }}>
                  {t("pos.printReceipt")}
                </Button>
              </Alert>
            )}
          </Stack>
        </Paper>
      </Box>
      {paid && (
        <PdfDialog
          open={printing}
          title={t("pos.receiptTitle", { receipt: paid.receipt })}
          documentKey={["receipt", paid.id]}
          load={(layout, language) => money.receiptPdf(paid.id, layout, language)}
          onClose={() => setPrinting(false)}
        />
      )}
    </Box>
  );
}
