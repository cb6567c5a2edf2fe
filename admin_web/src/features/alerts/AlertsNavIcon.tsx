/** The alerts screen's menu icon with the open alerts' count; it also keeps the alert queries live. */
import NotificationsIcon from "@mui/icons-material/Notifications";
import { Badge } from "@mui/material";

import { badgeText } from "./filters";
import { useAlertsLive, useOpenAlertCount } from "./live";

export function AlertsNavIcon() {
  useAlertsLive();
  const count = useOpenAlertCount();
  return (
    <Badge badgeContent={badgeText(count)} color="error" data-testid="alerts-badge" data-count={count ?? 0}>
      <NotificationsIcon />
    </Badge>
  );
}
