/**
 * The console's screens: each names the permission its data needs (the permission names are the hub's;
 * whether the user holds one comes from /auth/me, never from a copy of the role map here).
 */
import DesktopWindowsIcon from "@mui/icons-material/DesktopWindows";
import PeopleIcon from "@mui/icons-material/People";
import PlaylistAddCheckIcon from "@mui/icons-material/PlaylistAddCheck";
import SystemUpdateAltIcon from "@mui/icons-material/SystemUpdateAlt";
import type { ReactElement } from "react";

import { AlertsNavIcon } from "../features/alerts/AlertsNavIcon";
import { REPORT_SCREENS } from "../features/reports/screens";
import { INVENTORY_SCREENS } from "../features/inventory/screens";
import { BACK_OFFICE_SCREENS, FRONT_DESK_SCREENS } from "../features/screens/nav";
// The menu's label of the enrollment screen, before its chunk loads.
import "../features/enrollment/messages";
import "../features/alerts/messages";
import "../features/fleet/messages";

export interface Screen {
  path: string;
  labelKey: string;
  permission: string;
  icon: ReactElement;
}

export const SCREENS: readonly Screen[] = [
  { path: "/pcs", labelKey: "nav.map", permission: "pcs:read", icon: <DesktopWindowsIcon /> },
  // Its icon carries the open alerts' count and keeps the alert queries live.
  { path: "/alerts", labelKey: "alerts.nav", permission: "pcs:read", icon: <AlertsNavIcon /> },
  { path: "/members", labelKey: "nav.members", permission: "members:read", icon: <PeopleIcon /> },
  ...FRONT_DESK_SCREENS,
  ...BACK_OFFICE_SCREENS,
  ...REPORT_SCREENS,
  ...INVENTORY_SCREENS,
  { path: "/enroll", labelKey: "enrollment.nav", permission: "pcs:enroll", icon: <PlaylistAddCheckIcon /> },
  // Who updates the agents; the data itself is open to anyone who sees the PCs.
  { path: "/fleet", labelKey: "fleet.nav", permission: "fleet:update", icon: <SystemUpdateAltIcon /> },
];

/** Where "/" leads: the first screen the user may open, or the account page. */
export function homeFor(can: (permission: string) => boolean): string {
  return SCREENS.find((screen) => can(screen.permission))?.path ?? "/account";
}
