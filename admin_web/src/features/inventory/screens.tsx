/** The inventory's menu entry and route (app/nav.tsx and app/App.tsx spread these in). */
import WarehouseIcon from "@mui/icons-material/Warehouse";
import { lazy } from "react";

import "./messages";

const InventoryPage = lazy(() => import("./InventoryPage"));

export const INVENTORY_SCREENS = [{ path: "/inventory", labelKey: "inventory.nav", permission: "inventory:read", icon: <WarehouseIcon /> }] as const;

export const INVENTORY_ROUTES = [{ path: "/inventory", permission: "inventory:read", element: <InventoryPage /> }] as const;
