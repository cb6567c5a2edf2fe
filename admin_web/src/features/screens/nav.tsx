/**
 * The money and back-office screens' menu entries, each with the permission it needs as the hub names
 * it (nav.tsx spreads these in; the routes are in ./routes.tsx).
 */
import AccountBalanceWalletIcon from "@mui/icons-material/AccountBalanceWallet";
import CardGiftcardIcon from "@mui/icons-material/CardGiftcard";
import FactCheckIcon from "@mui/icons-material/FactCheck";
import GroupIcon from "@mui/icons-material/Group";
import Inventory2Icon from "@mui/icons-material/Inventory2";
import PointOfSaleIcon from "@mui/icons-material/PointOfSale";
import ReceiptLongIcon from "@mui/icons-material/ReceiptLong";
import SellIcon from "@mui/icons-material/Sell";
import StoreIcon from "@mui/icons-material/Store";
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
  { path: "/vouchers", labelKey: "screens.vouchers", permission: "money:read", icon: <CardGiftcardIcon /> },
];

export const BACK_OFFICE_SCREENS: readonly MoneyScreen[] = [
  { path: "/shifts", labelKey: "screens.shifts", permission: "reports:read", icon: <AccountBalanceWalletIcon /> },
  { path: "/tariffs", labelKey: "screens.tariffs", permission: "settings:manage", icon: <SellIcon /> },
  { path: "/products", labelKey: "screens.products", permission: "settings:manage", icon: <Inventory2Icon /> },
  { path: "/settings", labelKey: "screens.settings", permission: "settings:manage", icon: <StoreIcon /> },
  { path: "/users", labelKey: "screens.users", permission: "users:read", icon: <GroupIcon /> },
  { path: "/audit", labelKey: "screens.audit", permission: "audit:read", icon: <FactCheckIcon /> },
];
