/**
 * The inventory's menu entry and route (app/nav.tsx and app/App.tsx spread these in). Its icon counts the
 * products low on stock and keeps the inventory's queries live.
 */
import { lazy } from "react";

import { InventoryNavIcon } from "./InventoryNavIcon";
import "./messages";

const InventoryPage = lazy(() => import("./InventoryPage"));

export const INVENTORY_SCREENS = [{ path: "/inventory", labelKey: "inventory.nav", permission: "inventory:read", icon: <InventoryNavIcon /> }] as const;

export const INVENTORY_ROUTES = [{ path: "/inventory", permission: "inventory:read", element: <InventoryPage /> }] as const;
