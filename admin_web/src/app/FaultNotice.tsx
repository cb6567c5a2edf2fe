/** One non-blocking notice for faults anywhere (offline, 5xx, 429, 403): it covers nothing and clears nothing typed. */
import { Alert, Snackbar } from "@mui/material";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { onFault, type Fault } from "../api/notices";

export function FaultNotice() {
  const { t } = useTranslation();
  const [fault, setFault] = useState<Fault | null>(null);
  useEffect(() => onFault(setFault), []);
  const text =
    fault === null
      ? ""
      : fault.kind === "offline"
        ? t("notice.offline")
        : fault.kind === "server"
          ? t("notice.server", { status: fault.status })
          : fault.kind === "busy"
            ? t("notice.busy")
            : t("notice.forbidden", { message: fault.message });
  return (
    <Snackbar open={fault !== null} autoHideDuration={8000} onClose={() => setFault(null)} anchorOrigin={{ vertical: "bottom", horizontal: "center" }}>
      <Alert severity={fault?.kind === "forbidden" ? "warning" : "error"} variant="filled" onClose={() => setFault(null)} role="status" data-testid="fault-notice">
        {text}
      </Alert>
    </Snackbar>
  );
}
