/** The bar under the map while PCs are selected: how many, and every action with the PCs it would reach. */
import CloseIcon from "@mui/icons-material/Close";
import { Button, Divider, IconButton, Paper, Tooltip, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";

import { useSession } from "../../app/auth/session";
import { useAppSelector } from "../../live/store";
import type { Tile } from "../../live/tiles";
import { ALL_ACTIONS, allowed, appliesTo, COMMAND_ACTIONS, SHORTCUTS, SINGLE_PC, type ActionKind } from "./actions";
import { ACTION_ICONS } from "./actionIcons";

export function SelectionBar({
  selected,
  tilesOf,
  onAction,
  onClear,
}: {
  selected: ReadonlySet<string>;
  tilesOf: (ids: Iterable<string>) => Tile[];
  onAction: (kind: ActionKind, ids: readonly string[]) => boolean;
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const { can } = useSession();
  // Follows the live state only while something is selected (what applies changes with it).
  useAppSelector((state) => (selected.size > 0 ? state.live : null));
  if (selected.size === 0) return null;
  const tiles = tilesOf(selected);
  const ids = [...selected];
  const usable = (kind: ActionKind) => {
    const fits = tiles.filter((tile) => appliesTo(kind, tile)).length;
    return fits > 0 && (!SINGLE_PC.has(kind) || fits === 1);
  };
  const button = (kind: ActionKind) => {
    const fits = tiles.filter((tile) => appliesTo(kind, tile)).length;
    const shortcut = SHORTCUTS[kind];
    const label = selected.size > 1 ? `${t(`pcs.short.${kind}`)} (${fits})` : t(`pcs.short.${kind}`);
    return (
      <Tooltip key={kind} title={shortcut ? `${t(`pcs.actions.${kind}`)} — ${t("pcs.key", { key: shortcut.toUpperCase() })}` : t(`pcs.actions.${kind}`)}>
        <span>
          <Button size="small" startIcon={ACTION_ICONS[kind]} onClick={() => onAction(kind, ids)} data-testid={`batch-${kind}`} sx={{ whiteSpace: "nowrap", minWidth: 0, px: 0.75, "& .MuiButton-startIcon": { mr: 0.5 } }}>
            {label}
          </Button>
        </span>
      </Tooltip>
    );
  };
  // Only what the selection can do now: fewer, surer choices (the menu lists the rest, greyed).
  const shown = ALL_ACTIONS.filter((kind) => allowed(kind, can) && usable(kind));
  const sessionKinds = shown.filter((kind) => !(COMMAND_ACTIONS as readonly string[]).includes(kind));
  const commandKinds = shown.filter((kind) => (COMMAND_ACTIONS as readonly string[]).includes(kind));
  return (
    <Paper
      elevation={6}
      role="toolbar"
      aria-label={t("pcs.selectionBar")}
      data-testid="selection-bar"
      sx={{
        position: "fixed",
        bottom: 16,
        left: { xs: 16, md: 236 },
        right: 16,
        zIndex: (theme) => theme.zIndex.appBar - 1,
        px: 1,
        py: 0.75,
        display: "flex",
        alignItems: "center",
        gap: 0.5,
        flexWrap: "wrap",
      }}
    >
      <Tooltip title={`${t("pcs.clearSelection")} — ${t("pcs.key", { key: "Esc" })}`}>
        <IconButton onClick={onClear} aria-label={t("pcs.clearSelection")} data-testid="selection-clear" size="small">
          <CloseIcon />
        </IconButton>
      </Tooltip>
      <Typography sx={{ fontWeight: 700, mr: 1, whiteSpace: "nowrap" }} data-testid="selection-count" data-count={selected.size}>
        {t("pcs.selectedCount", { count: selected.size })}
      </Typography>
      {sessionKinds.map(button)}
      {sessionKinds.length > 0 && commandKinds.length > 0 && <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />}
      {commandKinds.map(button)}
    </Paper>
  );
}
