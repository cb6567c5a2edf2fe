/** The reports' menu entries and routes (app/nav.tsx and app/App.tsx spread these in). */
import BarChartIcon from "@mui/icons-material/BarChart";
import SpaceDashboardIcon from "@mui/icons-material/SpaceDashboard";
import { lazy } from "react";

import "./messages";

const DashboardPage = lazy(() => import("./DashboardPage"));
const ReportsPage = lazy(() => import("./ReportsPage"));

export const REPORT_SCREENS = [
  { path: "/dashboard", labelKey: "reports.dashboardNav", permission: "reports:read", icon: <SpaceDashboardIcon /> },
  { path: "/reports", labelKey: "reports.nav", permission: "reports:read", icon: <BarChartIcon /> },
] as const;

export const REPORT_ROUTES = [
  { path: "/dashboard", permission: "reports:read", element: <DashboardPage /> },
  { path: "/reports/:kind?", permission: "reports:read", element: <ReportsPage /> },
] as const;
