/** A price line by line, as the hub explains it: each rate window with its start, minutes, rate and amount. */
import { Table, TableBody, TableCell, TableHead, TableRow } from "@mui/material";
import { useTranslation } from "react-i18next";

import type { PriceLine } from "../../api/frontdesk";
import { useFormat } from "../../app/branch";

export function PriceLines({ lines, dense = false }: { lines: readonly PriceLine[]; dense?: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const number = { textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" } as const;
  return (
    <Table size="small" sx={{ mt: 1, "& td, & th": dense ? { py: 0.5 } : {} }} data-testid="price-lines">
      <TableHead>
        <TableRow>
          <TableCell>{t("desk.price.window")}</TableCell>
          <TableCell>{t("desk.price.from")}</TableCell>
          <TableCell sx={number}>{t("desk.price.minutes")}</TableCell>
          <TableCell sx={number}>{t("desk.price.rate")}</TableCell>
          <TableCell sx={number}>{t("desk.price.amount")}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {lines.map((line, index) => (
          <TableRow key={`${line.starts_at}-${index}`}>
            <TableCell>{line.label}</TableCell>
            <TableCell sx={{ whiteSpace: "nowrap" }}>{format.time(line.starts_at)}</TableCell>
            <TableCell sx={number}>{line.minutes}</TableCell>
            <TableCell sx={number}>{t("desk.perHour", { amount: format.money(line.hourly_rate) })}</TableCell>
            <TableCell sx={number}>{format.money(line.amount)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
