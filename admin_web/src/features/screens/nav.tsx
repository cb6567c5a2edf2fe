/**
 * The money and back-office screens' menu entries, each with the permission it needs as the hub names
 * it (nav.tsx spreads these in; the routes are in ./routes.tsx).
 */
import AccountBalanceWalletIcon from "@mui/icons-material/AccountBalanceWallet";
import PointOfSaleIcon from "@mui/icons-material/PointOfSale";
import ReceiptLongIcon from "@mui/icons-material/ReceiptLong";
import TimerIcon from "@mui/icons-material/Timer";
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
  { path: "/shift", labelKey: "screens.shift", permission: "money:collect", icon: <TimerIcon /> },
  { path: "/payments", labelKey: "screens.payments", permission: "money:read", icon: <ReceiptLongIcon /> },
];

export const BACK_OFFICE_SCREENS: readonly MoneyScreen[] = [
  { path: "/shifts", labelKey: "screens.shifts", permission: "reports:read", icon: <AccountBalanceWalletIcon /> },
];
