/**
 * The money and back-office screens' menu entries, each with the permission it needs as the hub names
 * it (nav.tsx spreads these in; the routes are in ./routes.tsx).
 */
import PointOfSaleIcon from "@mui/icons-material/PointOfSale";
import type { ReactElement } from "react";

import "./messages";

export interface MoneyScreen {
  path: string;
  labelKey: string;
  permission: string;
  icon: ReactElement;
}

export const FRONT_DESK_SCREENS: readonly MoneyScreen[] = [
  { path: "/pos", labelKey: "screens.pos", permission: "money:collect", icon: <PointOfSaleIcon /> },
];

export const BACK_OFFICE_SCREENS: readonly MoneyScreen[] = [];
