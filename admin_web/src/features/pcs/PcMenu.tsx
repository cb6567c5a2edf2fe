/** The menu of one PC (right click, long press, Enter): its actions, or the selection's when it is part of it. */
import InfoOutlinedIcon from "@mui/icons-material/InfoOutlined";
import { Divider, ListItemIcon, ListItemText, Menu, MenuItem, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { useSession } from "../../app/auth/session";
import { useAppSelector } from "../../live/store";
import type { Tile } from "../../live/tiles";
import { ALL_ACTIONS, allowed, appliesTo, COMMAND_ACTIONS, SHORTCUTS, SINGLE_PC, type ActionKind } from "./actions";
import { ACTION_ICONS } from "./actionIcons";

export interface MenuState {
  pcId: string;
  /** Where the pointer was; null opens it at the tile (keyboard). */
  anchor: { x: number; y: number } | null;
}

export function PcMenu({
  state,
  targets,
  tilesOf,
  onClose,
  onAction,
}: {
  state: MenuState | null;
  targets: readonly string[];
  tilesOf: (ids: Iterable<string>) => Tile[];
  onClose: () => void;
  onAction: (kind: ActionKind, ids: readonly string[]) => boolean;
}) {
  const { t } = useTranslation();
  const { can } = useSession();
  const open = state !== null;
  // Redrawn with the live state while open, so what applies is current; closed, it follows nothing.
  useAppSelector((root) => (open ? root.live : null));
  const tiles = open ? tilesOf(targets) : [];
  const element = open && state.anchor === null ? document.querySelector(`[data-pc="${CSS.escape(state.pcId)}"]`) : null;
  const shown = ALL_ACTIONS.filter((kind) => allowed(kind, can));

  const item = (kind: ActionKind) => {
    const fits = tiles.filter((tile) => appliesTo(kind, tile)).length;
    const usable = fits > 0 && (!SINGLE_PC.has(kind) || fits === 1);
    const shortcut = SHORTCUTS[kind];
    return (
      <MenuItem key={kind} disabled={!usable} onClick={() => onAction(kind, targets)} data-testid={`menu-${kind}`}>
        <ListItemIcon>{ACTION_ICONS[kind]}</ListItemIcon>
        <ListItemText>{tiles.length > 1 && usable ? t("pcs.actionOn", { action: t(`pcs.actions.${kind}`), count: fits }) : t(`pcs.actions.${kind}`)}</ListItemText>
        {shortcut && (
          <Typography variant="body2" color="text.secondary" sx={{ ml: 3, fontFamily: "monospace" }}>
            {shortcut.toUpperCase()}
          </Typography>
        )}
      </MenuItem>
    );
  };
  const sessionItems = shown.filter((kind) => !(COMMAND_ACTIONS as readonly string[]).includes(kind));
  const commandItems = shown.filter((kind) => (COMMAND_ACTIONS as readonly string[]).includes(kind));

  return (
    <Menu
      open={open && (state.anchor !== null || element !== null)}
      onClose={onClose}
      anchorReference={state?.anchor ? "anchorPosition" : "anchorEl"}
      anchorPosition={state?.anchor ? { top: state.anchor.y, left: state.anchor.x } : undefined}
      anchorEl={element}
      data-testid="pc-menu"
      slotProps={{ list: { dense: true, "aria-label": state?.pcId } }}
    >
      <MenuItem disabled sx={{ opacity: "1 !important", fontWeight: 700 }}>
        {targets.length > 1 ? t("pcs.selectedCount", { count: targets.length }) : state?.pcId}
      </MenuItem>
      <Divider />
      {sessionItems.map(item)}
      {sessionItems.length > 0 && commandItems.length > 0 && <Divider />}
      {commandItems.map(item)}
      {shown.length === 0 && <MenuItem disabled>{t("pcs.noActions")}</MenuItem>}
      {targets.length <= 1 && state !== null && [
        <Divider key="details-divider" />,
        <MenuItem key="details" component={RouterLink} to={`/pcs/${encodeURIComponent(state.pcId)}`} onClick={onClose} data-testid="menu-details">
          <ListItemIcon>
            <InfoOutlinedIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>{t("screens.pcDetails")}</ListItemText>
        </MenuItem>,
      ]}
    </Menu>
  );
}
