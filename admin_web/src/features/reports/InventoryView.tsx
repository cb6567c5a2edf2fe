/**
 * The inventory report's tab (GET /api/v1/reports/inventory): the stock's value now and the period's goods
 * takings, cost and margin; sales by product; each product's stock and movements; and what is low now.
 */
import { Stack } from "@mui/material";
import { BarChart } from "@mui/x-charts/BarChart";
import { useTranslation } from "react-i18next";

import { useFormat } from "../../app/branch";
import { ChartFrame } from "../common/charts/ChartFrame";
import type { InventoryReport } from "./api";
import { CHART_HEIGHT, Figure, Figures, ReportTable, type Column } from "./parts";
// The movement kinds and stock columns are named as on the Inventory page.
import "../inventory/messages";

const MOVEMENT_KINDS = ["received", "sold", "returned", "written_off", "transfer_in", "transfer_out", "counted"] as const;
const TOP_SALES = 10;

type ProductRow = InventoryReport["products"][number];
type LowRow = InventoryReport["low_stock"][number];
interface KindRow {
  kind: (typeof MOVEMENT_KINDS)[number];
  quantity: number;
  value: number;
}

/** A movement's quantity with its direction: +10 in, -4 out. */
const signed = (quantity: number) => (quantity > 0 ? `+${quantity}` : String(quantity));

export function InventoryView({ report }: { report: InventoryReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const money = (value: number) => format.money(value);
  const top = report.sales.slice(0, TOP_SALES);
  // Only the kinds the period had: seven columns mostly of zeros would hide the ones that matter.
  const kinds: KindRow[] = MOVEMENT_KINDS.filter((kind) => report.movements[kind].quantity !== 0 || report.movements[kind].value !== 0).map((kind) => ({
    kind,
    ...report.movements[kind],
  }));
  const productColumns: Column<ProductRow>[] = [
    { label: t("reports.columns.product"), value: (row) => row.name || row.product_id },
    { label: t("reports.inventory.opening"), value: (row) => row.opening, numeric: true },
    // Goods sold out of stock are the units sold, a column of their own.
    ...kinds
      .filter(({ kind }) => kind !== "sold")
      .map(({ kind }): Column<ProductRow> => ({ label: t(`inventory.kinds.${kind}`), value: (row) => signed(row.moved[kind].quantity), numeric: true })),
    { label: t("reports.inventory.closing"), value: (row) => <b>{row.closing}</b>, numeric: true },
    { label: t("reports.inventory.unitsSold"), value: (row) => row.sold, numeric: true },
    { label: t("reports.columns.takings"), value: (row) => money(row.revenue), numeric: true },
    { label: t("reports.inventory.cost"), value: (row) => money(row.cost_of_sales), numeric: true },
    { label: t("reports.inventory.margin"), value: (row) => <b>{money(row.margin)}</b>, numeric: true },
  ];
  const kindColumns: Column<KindRow>[] = [
    { label: t("inventory.columns.kind"), value: (row) => t(`inventory.kinds.${row.kind}`) },
    { label: t("reports.columns.quantity"), value: (row) => signed(row.quantity), numeric: true },
    { label: t("reports.inventory.atCost"), value: (row) => money(row.value), numeric: true },
  ];
  const lowColumns: Column<LowRow>[] = [
    { label: t("reports.columns.product"), value: (row) => row.name || row.product_id },
    { label: t("inventory.columns.onHand"), value: (row) => <b>{row.on_hand}</b>, numeric: true },
    { label: t("inventory.columns.lowStock"), value: (row) => row.low_stock ?? "-", numeric: true },
    { label: t("inventory.columns.value"), value: (row) => money(row.value), numeric: true },
  ];
  return (
    <Stack spacing={2}>
      <Figures>
        <Figure label={t("reports.inventory.stockValue")} value={money(report.totals.on_hand_value)} testId="inventory-stock-value" hint={t("reports.inventory.stockValueHint")} />
        <Figure label={t("reports.inventory.takings")} value={money(report.totals.revenue)} />
        <Figure label={t("reports.inventory.costOfSales")} value={money(report.totals.cost_of_sales)} />
        <Figure label={t("reports.inventory.margin")} value={money(report.totals.margin)} />
      </Figures>
      <ChartFrame title={t("reports.inventory.chart")} range={{ from: report.from_date, to: report.to_date }} testId="inventory-chart">
        <BarChart
          height={CHART_HEIGHT}
          skipAnimation
          xAxis={[{ data: top.map((row) => row.name || row.product_id), scaleType: "band" }]}
          yAxis={[{ valueFormatter: (value: number) => money(value), width: 110 }]}
          series={[
            { data: top.map((row) => row.revenue), label: t("reports.columns.takings"), color: "#1e88e5", valueFormatter: (v) => money(v ?? 0) },
            { data: top.map((row) => row.margin), label: t("reports.inventory.margin"), color: "#0b6e4f", valueFormatter: (v) => money(v ?? 0) },
          ]}
        />
      </ChartFrame>
      <Stack direction="row">
        <ReportTable title={t("reports.inventory.products")} columns={productColumns} rows={report.products} testId="inventory-products" />
      </Stack>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable title={t("reports.inventory.movements")} columns={kindColumns} rows={kinds} />
        <ReportTable title={t("reports.inventory.low")} columns={lowColumns} rows={report.low_stock} testId="inventory-low" empty={t("reports.inventory.noLow")} />
      </Stack>
    </Stack>
  );
}
