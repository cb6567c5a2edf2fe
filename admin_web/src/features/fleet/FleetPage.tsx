/**
 * The fleet (README "Fleet updates"): how many PCs run each agent version, OS and lock-screen hardening
 * grade, the releases uploaded, and each rollout with every PC's state. Read-only: releases are uploaded
 * and rolled out through the API.
 */
import {
  Alert,
  Box,
  Chip,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { fleet, type Release, type Rollout } from "../../api/fleet";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import "./messages";

const REFRESH_MS = 5_000;

function stateColour(state: string): "success" | "error" | "warning" | "info" | "default" {
  if (state === "done") return "success";
  if (state === "failed" || state === "rolled_back") return "error";
  return state === "installing" ? "info" : "default";
}

/** Counts by name; ``labels`` (a message group) names the values it knows, the others show as sent. */
function Counts({ title, counts, testId, labels }: { title: string; counts: Record<string, number>; testId: string; labels?: string }) {
  const { t } = useTranslation();
  const label = (name: string) => (name === "unknown" ? t("fleet.unknown") : labels ? t(`${labels}.${name}`, { defaultValue: name }) : name);
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  return (
    <Paper sx={{ p: 2, flex: 1, minWidth: 240 }} data-testid={testId}>
      <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      <Stack direction="row" sx={{ flexWrap: "wrap", gap: 1 }}>
        {entries.map(([name, count]) => (
          <Chip key={name} label={`${label(name)}: ${count}`} data-testid={`${testId}-${name}`} />
        ))}
      </Stack>
    </Paper>
  );
}

function Releases({ releases }: { releases: Release[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (releases.length === 0) return <Alert severity="info">{t("fleet.noReleases")}</Alert>;
  return (
    <Table size="small" data-testid="releases">
      <TableHead>
        <TableRow>
          <TableCell>{t("fleet.columns.version")}</TableCell>
          <TableCell>{t("fleet.columns.sha256")}</TableCell>
          <TableCell align="right">{t("fleet.columns.size")}</TableCell>
          <TableCell>{t("fleet.columns.by")}</TableCell>
          <TableCell>{t("fleet.columns.at")}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {releases.map((release) => (
          <TableRow key={release.version} data-testid={`release-${release.version}`}>
            <TableCell>{release.version}</TableCell>
            <TableCell>
              <Tooltip title={release.sha256}>
                <code>{release.sha256.slice(0, 16)}…</code>
              </Tooltip>
            </TableCell>
            <TableCell align="right">{t("fleet.kib", { size: (release.size / 1024).toFixed(1) })}</TableCell>
            <TableCell>{release.uploaded_by}</TableCell>
            <TableCell>{format.dateTime(release.uploaded_at)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Rollouts({ rollouts }: { rollouts: Rollout[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (rollouts.length === 0) return <Alert severity="info">{t("fleet.noRollouts")}</Alert>;
  return (
    <Table size="small" data-testid="rollouts">
      <TableHead>
        <TableRow>
          <TableCell>{t("fleet.columns.version")}</TableCell>
          <TableCell>{t("fleet.columns.ring")}</TableCell>
          <TableCell>{t("fleet.columns.pcs")}</TableCell>
          <TableCell>{t("fleet.columns.by")}</TableCell>
          <TableCell>{t("fleet.columns.at")}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rollouts.map((rollout) => (
          <TableRow key={rollout.id} data-testid={`rollout-${rollout.id}`}>
            <TableCell>{rollout.version}</TableCell>
            <TableCell>{t(`fleet.rings.${rollout.ring}`, { defaultValue: rollout.ring })}</TableCell>
            <TableCell>
              <Stack direction="row" sx={{ flexWrap: "wrap", gap: 0.5 }}>
                {rollout.targets.map((target) => (
                  <Tooltip key={target.pc_id} title={target.detail}>
                    <Chip
                      size="small"
                      color={stateColour(target.state)}
                      label={`${target.pc_id}: ${t(`fleet.states.${target.state}`)}`}
                      data-testid={`target-${rollout.id}-${target.pc_id}`}
                      data-state={target.state}
                    />
                  </Tooltip>
                ))}
              </Stack>
              {rollout.left_out.length > 0 && (
                <Typography variant="caption" color="text.secondary">
                  {t("fleet.leftOut", { pcs: rollout.left_out.join(", ") })}
                </Typography>
              )}
            </TableCell>
            <TableCell>{rollout.created_by}</TableCell>
            <TableCell>{format.dateTime(rollout.created_at)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export default function FleetPage() {
  const { t } = useTranslation();
  const rollouts = useQuery({ queryKey: ["fleet", "rollouts"], queryFn: () => fleet.rollouts(0, 20), refetchInterval: REFRESH_MS });
  const releases = useQuery({ queryKey: ["fleet", "releases"], queryFn: () => fleet.releases(0, 20), refetchInterval: REFRESH_MS });
  const summary = rollouts.data?.fleet;
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("fleet.title")}
      </Typography>
      {rollouts.isError && <FormError error={rollouts.error} />}
      {releases.isError && <FormError error={releases.error} />}
      {summary && (
        <>
          <Typography color="text.secondary" sx={{ mb: 1 }} data-testid="fleet-total">
            {t("fleet.pcs", { count: summary.total })}
          </Typography>
          <Stack direction={{ xs: "column", md: "row" }} spacing={2} sx={{ mb: 2 }}>
            <Counts title={t("fleet.versions")} counts={summary.versions} testId="versions" />
            <Counts title={t("fleet.os")} counts={summary.os} testId="os" />
            <Counts title={t("fleet.hardening")} counts={summary.hardening} testId="hardening" labels="fleet.grades" />
          </Stack>
        </>
      )}
      <Paper sx={{ p: 2, mb: 2 }}>
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
          {t("fleet.rollouts")}
        </Typography>
        {rollouts.data && <Rollouts rollouts={rollouts.data.items} />}
      </Paper>
      <Paper sx={{ p: 2 }}>
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
          {t("fleet.releases")}
        </Typography>
        {releases.data && <Releases releases={releases.data.items} />}
      </Paper>
    </Box>
  );
}
