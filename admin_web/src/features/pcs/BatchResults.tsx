/** Each PC's outcome of a batch action: sending, done (with what the PC answered), or why it failed. */
import CheckCircleIcon from "@mui/icons-material/CheckCircle";
import ErrorIcon from "@mui/icons-material/Error";
import { CircularProgress, List, ListItem, ListItemIcon, ListItemText } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { messageOf } from "../../app/errors";
import type { Outcome } from "./batch";

export function BatchResults<T>({ outcomes, describe }: { outcomes: Record<string, Outcome<T>>; describe: (value: T) => ReactNode }) {
  const { t } = useTranslation();
  const ids = Object.keys(outcomes).sort();
  if (ids.length === 0) return null;
  return (
    <List dense data-testid="batch-results" sx={{ maxHeight: 260, overflow: "auto", border: 1, borderColor: "divider", borderRadius: 1, mt: 1 }}>
      {ids.map((id) => {
        const outcome = outcomes[id];
        if (!outcome) return null;
        return (
          <ListItem key={id} data-testid={`result-${id}`} data-state={outcome.state}>
            <ListItemIcon sx={{ minWidth: 32 }}>
              {outcome.state === "pending" ? (
                <CircularProgress size={18} />
              ) : outcome.state === "done" ? (
                <CheckCircleIcon color="success" fontSize="small" />
              ) : (
                <ErrorIcon color="error" fontSize="small" />
              )}
            </ListItemIcon>
            <ListItemText
              primary={id}
              secondary={outcome.state === "pending" ? t("pcs.sending") : outcome.state === "done" ? describe(outcome.value) : messageOf(outcome.error, t)}
              slotProps={{ secondary: { color: outcome.state === "failed" ? "error" : "text.secondary" } }}
            />
          </ListItem>
        );
      })}
    </List>
  );
}
