/**
 * The live PC map, the cashiers' home screen: every PC as a tile grouped by zone (PC group), coloured by
 * status with a legend that counts them (click a count to select those PCs), a list view of the same live
 * data, multi-select with batch actions, a context menu per PC and keyboard shortcuts. Updated only by
 * the live feed (src/live); every action asks the hub.
 */
import HelpOutlineIcon from "@mui/icons-material/HelpOutlineOutlined";
import TableRowsIcon from "@mui/icons-material/TableRows";
import ViewModuleIcon from "@mui/icons-material/ViewModule";
import { Alert, Box, IconButton, LinearProgress, Stack, ToggleButton, ToggleButtonGroup, Tooltip, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useCallback, useEffect, useMemo, useReducer, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { useStore } from "react-redux";

import { api } from "../../api/client";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { useAppSelector, type RootState } from "../../live/store";
import type { Tile } from "../../live/tiles";
import { allowed, appliesTo, mapKeyOf, SINGLE_PC, type ActionKind } from "./actions";
import { ActionHost, preloadDialogs, type PendingAction } from "./ActionHost";
import { Legend } from "./Legend";
import "./messages";
import "../sessions/messages";
import { PcMenu, type MenuState } from "./PcMenu";
import { PcTile, TileStyles, type TileHandlers } from "./PcTile";
import { allTiles, selectLayoutKey, zonesOf } from "./selectors";
import { noSelection, selectionReducer } from "./selection";
import { SelectionBar } from "./SelectionBar";
import { ShortcutsDialog } from "./ShortcutsDialog";

const PcListView = lazy(() => import("./PcListView"));

type View = "tiles" | "list";
const VIEW_KEY = "icafe.map.view";

function storedView(): View {
  return window.localStorage.getItem(VIEW_KEY) === "list" ? "list" : "tiles";
}

/** Keys typed into a field or a menu are theirs, not the map's. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.closest('[role="dialog"],[role="menu"]') !== null;
}

export default function PcMapPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const store = useStore<RootState>();
  const loaded = useAppSelector((state) => state.live.loaded);
  const feed = useAppSelector((state) => state.live.feed.state);
  const count = useAppSelector((state) => state.live.pcs.ids.length);
  const layoutKey = useAppSelector(selectLayoutKey);
  const groups = useQuery({ queryKey: ["groups"], queryFn: api.groups, staleTime: 5 * 60_000 });
  const zones = useMemo(() => zonesOf(layoutKey, groups.data?.items ?? []), [layoutKey, groups.data]);
  const order = useMemo(() => zones.flatMap((zone) => zone.pcIds), [zones]);

  const [selection, select] = useReducer(selectionReducer, noSelection);
  const [view, setView] = useState<View>(storedView);
  const [menu, setMenu] = useState<MenuState | null>(null);
  const [action, setAction] = useState<PendingAction | null>(null);
  const [help, setHelp] = useState(false);
  const focused = useRef<string | null>(null);

  const existing = useMemo(() => new Set(order), [order]);
  useEffect(() => select({ type: "keep", existing }), [existing]);

  const tilesOf = useCallback(
    (ids: Iterable<string>): Tile[] => {
      const wanted = new Set(ids);
      return allTiles(store.getState().live, Date.now()).filter((tile) => wanted.has(tile.pc.id));
    },
    [store],
  );

  /** Open an action's dialog for these PCs (those it applies to); false when none fits or it is not allowed. */
  const start = useCallback(
    (kind: ActionKind, ids: readonly string[]): boolean => {
      if (!allowed(kind, can)) return false;
      const targets = tilesOf(ids).filter((tile) => appliesTo(kind, tile));
      if (targets.length === 0 || (SINGLE_PC.has(kind) && targets.length !== 1)) return false;
      setMenu(null);
      setAction({ kind, pcIds: targets.map((tile) => tile.pc.id) });
      return true;
    },
    [can, tilesOf],
  );

  const handlers = useMemo<TileHandlers>(
    () => ({
      onSelect: (pcId: string, event: MouseEvent | KeyboardEvent) => {
        focused.current = pcId;
        select({ type: "click", id: pcId, order, range: event.shiftKey, toggle: event.ctrlKey || event.metaKey });
      },
      onMenu: (pcId, anchor) => {
        focused.current = pcId;
        setMenu({ pcId, anchor });
      },
      onOpen: (pcId) => {
        // Double click: start a session on a free PC, else the PC's menu.
        if (!start("start", [pcId])) setMenu({ pcId, anchor: null });
      },
    }),
    [order, start],
  );

  // The menu's actions apply to the whole selection when the PC is part of it, else to that PC alone.
  const menuTargets = menu === null ? [] : selection.ids.has(menu.pcId) ? [...selection.ids] : [menu.pcId];

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (action !== null || help || typing(event.target)) return;
      const key = mapKeyOf(event);
      if (key === null) return;
      const target = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>("[data-pc]") : null;
      const current = target?.dataset.pc ?? focused.current;
      const ids = selection.ids.size > 0 ? [...selection.ids] : current ? [current] : [];
      switch (key) {
        case "help":
          setHelp(true);
          break;
        case "clear":
          select({ type: "clear" });
          setMenu(null);
          break;
        case "selectAll":
          select({ type: "set", ids: order });
          break;
        case "view":
          setView((now) => (now === "tiles" ? "list" : "tiles"));
          break;
        case "menu":
          if (current) setMenu({ pcId: current, anchor: null });
          else return;
          break;
        default:
          if (!start(key, ids)) return;
      }
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [action, help, selection, order, start]);

  useEffect(() => window.localStorage.setItem(VIEW_KEY, view), [view]);

  // The dialogs' code, once the map is up and the browser idle: the first click opens at once.
  useEffect(() => {
    if (!loaded) return;
    const handle = window.requestIdleCallback(preloadDialogs, { timeout: 5000 });
    return () => window.cancelIdleCallback(handle);
  }, [loaded]);

  return (
    <Stack spacing={1.5} sx={{ pb: selection.ids.size > 0 ? 9 : 0 }}>
      <TileStyles />
      <Stack direction="row" sx={{ alignItems: "center", gap: 2, flexWrap: "wrap" }}>
        <Typography variant="h5" component="h1">
          {t("map.title")}
        </Typography>
        <Typography color="text.secondary">{t("map.pcsCount", { count })}</Typography>
        <Box sx={{ flexGrow: 1 }} />
        <ToggleButtonGroup size="small" exclusive value={view} onChange={(_, next: View | null) => next && setView(next)} aria-label={t("pcs.view")}>
          <ToggleButton value="tiles" data-testid="view-tiles" aria-label={t("pcs.tiles")}>
            <ViewModuleIcon fontSize="small" sx={{ mr: 0.5 }} />
            {t("pcs.tiles")}
          </ToggleButton>
          <ToggleButton value="list" data-testid="view-list" aria-label={t("pcs.list")}>
            <TableRowsIcon fontSize="small" sx={{ mr: 0.5 }} />
            {t("pcs.list")}
          </ToggleButton>
        </ToggleButtonGroup>
        <Tooltip title={t("pcs.shortcutsTitle") + " (?)"}>
          <IconButton onClick={() => setHelp(true)} aria-label={t("pcs.shortcutsTitle")} data-testid="shortcuts-help">
            <HelpOutlineIcon />
          </IconButton>
        </Tooltip>
      </Stack>
      {feed === "down" && (
        <Alert severity="warning" data-testid="feed-down">
          {t("feed.down")}
        </Alert>
      )}
      <Legend selected={selection.ids} onSelect={(ids) => select({ type: "set", ids })} />
      {!loaded && (
        <Box>
          <Typography color="text.secondary">{t("map.loading")}</Typography>
          <LinearProgress />
        </Box>
      )}
      {loaded && count === 0 && <Alert severity="info">{t("map.empty")}</Alert>}
      {view === "tiles" ? (
        <Box role="listbox" aria-multiselectable="true" aria-label={t("map.title")} data-testid="pc-map">
          {zones.map((zone) => (
            <Box component="section" key={zone.id} aria-label={zone.name} sx={{ mb: 2 }}>
              <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 700, mb: 1 }}>
                {zone.name} <Typography component="span" color="text.secondary">· {zone.pcIds.length}</Typography>
              </Typography>
              <Box sx={{ display: "flex", flexWrap: "wrap", gap: 1.25 }}>
                {zone.pcIds.map((pcId) => (
                  <PcTile key={pcId} pcId={pcId} selected={selection.ids.has(pcId)} format={format} handlers={handlers} />
                ))}
              </Box>
            </Box>
          ))}
        </Box>
      ) : (
        <Suspense fallback={<LinearProgress />}>
          <PcListView
            zones={zones}
            selected={selection.ids}
            onSelect={(ids) => select({ type: "replace", ids })}
            onMenu={(pcId, anchor) => setMenu({ pcId, anchor })}
            format={format}
          />
        </Suspense>
      )}
      <PcMenu state={menu} targets={menuTargets} tilesOf={tilesOf} onClose={() => setMenu(null)} onAction={start} />
      <SelectionBar selected={selection.ids} tilesOf={tilesOf} onAction={start} onClear={() => select({ type: "clear" })} />
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
      <ActionHost action={action} onClose={() => setAction(null)} />
    </Stack>
  );
}
