/** The dashboard's best sellers today: units and takings of the top few products, each opening the day's revenue report. */
import { Link } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { useFormat } from "../../app/branch";
import type { RevenueReport } from "./api";
import { ReportTable } from "./parts";
import { topProducts } from "./topProducts";
import "./messages";

const SHOWN = 5;

/** `report`: the day's revenue report the dashboard already reads (its goods by product, in minor units). */
export function TopProductsCard({ report, day }: { report: RevenueReport | undefined; day: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const revenue = `/reports/revenue?from=${day}&to=${day}&group=day`;
  return (
    <ReportTable
      title={t("reports.dashboard.topProducts")}
      rows={report ? topProducts(report.by_product, SHOWN) : []}
      empty={report ? t("reports.dashboard.noSales") : "…"}
      testId="dashboard-top-products"
      columns={[
        {
          label: t("reports.columns.product"),
          value: (row) => (
            <Link component={RouterLink} to={revenue}>
              {row.name || row.product_id}
            </Link>
          ),
        },
        { label: t("reports.dashboard.units"), value: (row) => row.quantity, numeric: true },
        { label: t("reports.dashboard.productTakings"), value: (row) => format.money(row.total), numeric: true },
      ]}
    />
  );
}
