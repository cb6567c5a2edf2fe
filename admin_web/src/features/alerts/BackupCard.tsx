/** Scheduled backups at a glance (`GET /api/v1/backups/status`): the last good one, its age (as the hub
 * answered when the page loaded), a failure. */
import BackupIcon from "@mui/icons-material/Backup";
import { Alert, Paper, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { alerts } from "../../api/alerts";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";

export function BackupCard() {
  const { t } = useTranslation();
  const format = useFormat();
  const status = useQuery({ queryKey: ["backups", "status"], queryFn: alerts.backupStatus });
  const data = status.data;
  return (
    <Paper sx={{ p: 2, mb: 2 }} data-testid="backup-status" data-state={data ? (!data.configured ? "off" : data.overdue ? "overdue" : "ok") : "loading"}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 1 }}>
        <BackupIcon color="action" />
        <Typography variant="subtitle1" component="h2">
          {t("alerts.backups.title")}
        </Typography>
        {data?.configured && data.every_h !== null && (
          <Typography variant="body2" color="text.secondary">
            ({t("alerts.backups.every", { hours: data.every_h })})
          </Typography>
        )}
      </Stack>
      {status.isError && <FormError error={status.error} />}
      {data && !data.configured && <Typography color="text.secondary">{t("alerts.backups.off")}</Typography>}
      {data?.configured && (
        <Stack spacing={1}>
          {data.last_good_at !== null && data.last_good_age_s !== null ? (
            <Typography>
              {t("alerts.backups.lastGood", { age: format.duration(data.last_good_age_s * 1000), time: format.dateTime(data.last_good_at) })}
              {data.last_good && (
                <Typography component="span" variant="body2" color="text.secondary" sx={{ ml: 1, overflowWrap: "anywhere" }}>
                  {data.last_good}
                </Typography>
              )}
            </Typography>
          ) : (
            <Typography>{t("alerts.backups.none")}</Typography>
          )}
          {data.overdue && <Alert severity="error">{t("alerts.backups.overdue")}</Alert>}
          {data.last_failure && (
            <Alert severity="warning">
              {t("alerts.backups.failed", { time: format.dateTime(data.last_failure.at_ms), error: data.last_failure.error ?? t("alerts.backups.unknownError") })}
            </Alert>
          )}
        </Stack>
      )}
    </Paper>
  );
}
