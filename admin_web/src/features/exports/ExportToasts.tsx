/**
 * The toasts of this tab's exports, bottom right on every screen: progress from the hub's WebSocket
 * events, then the file's download (fetched with the token), or why it failed with a retry when the hub
 * says one may help.
 */
import CloseIcon from "@mui/icons-material/Close";
import DownloadIcon from "@mui/icons-material/Download";
import { Alert, Box, Button, IconButton, LinearProgress, Paper, Stack, Typography } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { messageOf } from "../../app/errors";
import type { Tracked } from "./jobs";
import { exportTracker, useExportJobs } from "./tracker";
import "./messages";

function Toast({ job }: { job: Tracked }) {
  const { t, i18n } = useTranslation();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    action()
      .catch((error: unknown) => setProblem(messageOf(error, t)))
      .finally(() => setBusy(false));
  };
  const count = (n: number) => n.toLocaleString(i18n.language);
  const title = t("exports.title", { kind: t(`exports.kinds.${job.kind}`), format: job.format.toUpperCase() });
  return (
    <Paper elevation={6} sx={{ p: 1.5, width: 340 }} data-testid="export-toast" data-state={job.state} data-export-id={job.id}>
      <Stack direction="row" sx={{ alignItems: "center", gap: 1 }}>
        <Typography variant="subtitle2" sx={{ flexGrow: 1 }} noWrap>
          {title}
        </Typography>
        <IconButton size="small" aria-label={t("exports.close")} onClick={() => exportTracker.dismiss(job.id)}>
          <CloseIcon fontSize="small" />
        </IconButton>
      </Stack>
      {(job.state === "queued" || job.state === "running") && (
        <>
          <LinearProgress variant={job.state === "queued" ? "indeterminate" : "determinate"} value={job.percent} sx={{ my: 1 }} aria-label={title} />
          <Typography variant="body2" color="text.secondary" data-testid="export-progress">
            {job.state === "queued" ? t("exports.queued") : t("exports.running", { rows: count(job.rows), total: count(job.total) })}
          </Typography>
        </>
      )}
      {job.state === "done" && (
        <Stack direction="row" sx={{ alignItems: "center", justifyContent: "space-between", mt: 0.5 }}>
          <Typography variant="body2" color="text.secondary">
            {t("exports.done", { rows: count(job.rows) })}
          </Typography>
          <Button size="small" variant="contained" startIcon={<DownloadIcon />} disabled={busy} onClick={() => act(() => exportTracker.download(job.id))} data-testid="export-download">
            {t("exports.download")}
          </Button>
        </Stack>
      )}
      {job.state === "expired" && (
        <Typography variant="body2" color="text.secondary">
          {t("exports.expired")}
        </Typography>
      )}
      {job.state === "failed" && (
        <Alert
          severity="error"
          sx={{ mt: 0.5 }}
          action={
            job.retryable ? (
              <Button color="inherit" size="small" disabled={busy} onClick={() => act(() => exportTracker.retry(job.id))} data-testid="export-retry">
                {t("exports.retry")}
              </Button>
            ) : undefined
          }
        >
          {job.error}
        </Alert>
      )}
      {problem && (
        <Alert severity="error" sx={{ mt: 0.5 }}>
          {problem}
        </Alert>
      )}
    </Paper>
  );
}

export function ExportToasts() {
  const jobs = useExportJobs();
  if (jobs.length === 0) return null;
  return (
    <Box sx={{ position: "fixed", right: 16, bottom: 16, zIndex: (theme) => theme.zIndex.snackbar }} role="status" aria-live="polite">
      <Stack spacing={1}>
        {jobs.map((job) => (
          <Toast key={job.id} job={job} />
        ))}
      </Stack>
    </Box>
  );
}
