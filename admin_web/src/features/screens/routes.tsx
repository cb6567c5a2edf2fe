/**
 * The money and back-office screens' routes, each screen its own chunk, each with the permission its
 * page needs (App.tsx spreads these in and guards each with it). The screen checks finer permissions
 * itself (a manager may read tariffs where only settings:manage changes them).
 */
import { lazy, type ReactElement } from "react";

export interface GuardedRoute {
  path: string;
  permission: string;
  element: ReactElement;
}

const PosPage = lazy(() => import("../pos/PosPage"));
const ShiftPage = lazy(() => import("../shifts/ShiftPage"));
const ShiftsPage = lazy(() => import("../shifts/ShiftsPage"));
const PaymentsPage = lazy(() => import("../payments/PaymentsPage"));

export const MONEY_ROUTES: readonly GuardedRoute[] = [
  { path: "/pos", permission: "money:collect", element: <PosPage /> },
  { path: "/shift", permission: "money:collect", element: <ShiftPage /> },
  { path: "/shifts", permission: "reports:read", element: <ShiftsPage /> },
  { path: "/payments", permission: "money:read", element: <PaymentsPage /> },
];
