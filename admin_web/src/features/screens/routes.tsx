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
const VouchersPage = lazy(() => import("../vouchers/VouchersPage"));
const TariffsPage = lazy(() => import("../tariffs/TariffsPage"));
const ProductsPage = lazy(() => import("../products/ProductsPage"));
const SettingsPage = lazy(() => import("../settings/SettingsPage"));
const UsersPage = lazy(() => import("../users/UsersPage"));
const AuditPage = lazy(() => import("../audit/AuditPage"));
const PcDetailPage = lazy(() => import("../pc-detail/PcDetailPage"));

export const MONEY_ROUTES: readonly GuardedRoute[] = [
  { path: "/pos", permission: "money:collect", element: <PosPage /> },
  { path: "/shift", permission: "money:collect", element: <ShiftPage /> },
  { path: "/shifts", permission: "reports:read", element: <ShiftsPage /> },
  { path: "/payments", permission: "money:read", element: <PaymentsPage /> },
  { path: "/vouchers", permission: "money:read", element: <VouchersPage /> },
  { path: "/tariffs", permission: "settings:read", element: <TariffsPage /> },
  { path: "/products", permission: "money:read", element: <ProductsPage /> },
  { path: "/settings", permission: "settings:read", element: <SettingsPage /> },
  { path: "/users", permission: "users:read", element: <UsersPage /> },
  { path: "/audit", permission: "audit:read", element: <AuditPage /> },
  { path: "/pcs/:pcId", permission: "pcs:read", element: <PcDetailPage /> },
];
