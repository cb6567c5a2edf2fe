/**
 * One PC on the map. It reads its own PC, session, alerts and lock from the live slice, so an update to
 * another PC never redraws it; its look is one stylesheet for all tiles (TileStyles; the status is a data
 * attribute), so a redraw costs no style work; only tiles with a session follow the clock.
 */
import { GlobalStyles } from "@mui/material";
import { memo, type KeyboardEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";

import type { Formatters } from "../../app/branch";
import { STATUS_COLOURS } from "../../app/theme";
import { useAppSelector } from "../../live/store";
import { TILE_STATUSES, tileOf, type Tile } from "../../live/tiles";
import { useClock } from "./clock";
import { MemberLogin } from "./MemberLogin";
import { selectAlertCount, selectLocked, selectMaintenance, selectPc, selectSessionOf } from "./selectors";

const statusStyles = Object.fromEntries(
  TILE_STATUSES.map((status) => {
    const colours = STATUS_COLOURS[status];
    return [`.pc-tile[data-status="${status}"]`, { backgroundColor: colours.bg, color: colours.fg, borderColor: colours.border }];
  }),
);

/**
 * The tiles' one stylesheet, put in the page once by the map: a tile is a plain element with a class, so
 * drawing 200 tiles (and redrawing the ones that count down, every second) costs no style work at all.
 */
export function TileStyles() {
  return (
    <GlobalStyles
      styles={(theme) => ({
        ".pc-tile": {
          position: "relative",
          width: 152,
          minHeight: 104,
          padding: "8px 10px",
          borderRadius: 8,
          border: "2px solid",
          display: "flex",
          flexDirection: "column",
          gap: 1,
          cursor: "pointer",
          userSelect: "none",
          outline: "none",
          fontSize: 13,
          lineHeight: 1.35,
          contain: "layout paint",
        },
        ...statusStyles,
        ".pc-tile:focus-visible": { boxShadow: `0 0 0 3px ${theme.palette.background.default}, 0 0 0 5px ${theme.palette.text.primary}` },
        '.pc-tile[aria-selected="true"]': {
          boxShadow: `0 0 0 3px ${theme.palette.background.default}, 0 0 0 6px ${theme.palette.primary.main}`,
        },
        '.pc-tile[aria-selected="true"]:focus-visible': {
          boxShadow: `0 0 0 3px ${theme.palette.background.default}, 0 0 0 6px ${theme.palette.primary.main}, 0 0 0 8px ${theme.palette.text.primary}`,
        },
        ".pc-tile .pc-head": { display: "flex", alignItems: "center", gap: 4, minWidth: 0 },
        ".pc-tile .pc-name": { fontWeight: 700, fontSize: 15, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", flexGrow: 1 },
        ".pc-tile .pc-status": { fontSize: 11, fontWeight: 600, textTransform: "uppercase", letterSpacing: 0.3, opacity: 0.9 },
        ".pc-tile .pc-who": { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
        ".pc-tile .pc-left": { fontWeight: 700, fontSize: 15, fontVariantNumeric: "tabular-nums" },
        ".pc-tile .pc-cost": { fontVariantNumeric: "tabular-nums" },
        ".pc-tile .pc-alerts": {
          minWidth: 20,
          height: 20,
          padding: "0 6px",
          borderRadius: 10,
          backgroundColor: theme.palette.error.main,
          color: theme.palette.error.contrastText,
          fontSize: 12,
          fontWeight: 700,
          lineHeight: "20px",
          textAlign: "center",
        },
        ".pc-tile .pc-lock": { width: 16, height: 16, fill: "currentColor", flexShrink: 0 },
      })}
    />
  );
}

/** The padlock of a PC locked during its session (a plain SVG: no styled component per tile). */
function Padlock({ title }: { title: string }) {
  return (
    <svg className="pc-lock" viewBox="0 0 24 24" role="img" aria-label={title}>
      <title>{title}</title>
      <path d="M8 11V8a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" strokeWidth="2.5" />
      <rect x="5" y="11" width="14" height="10" rx="2" />
    </svg>
  );
}

export interface TileHandlers {
  onSelect: (pcId: string, event: MouseEvent | KeyboardEvent) => void;
  onMenu: (pcId: string, anchor: { x: number; y: number }) => void;
  onOpen: (pcId: string) => void;
}

function who(tile: Tile): "member" | "guest" | "postpaid" | null {
  switch (tile.session?.kind) {
    case "member":
      return "member";
    case "prepaid":
      return "guest";
    case "postpaid":
      return "postpaid";
    default:
      return null;
  }
}

/** Long-press on a touch screen opens the menu, like a right click. */
const LONG_PRESS_MS = 550;
let pressTimer: ReturnType<typeof setTimeout> | null = null;

export const PcTile = memo(function PcTile({
  pcId,
  selected,
  format,
  handlers,
}: {
  pcId: string;
  selected: boolean;
  format: Formatters;
  handlers: TileHandlers;
}) {
  const { t } = useTranslation();
  const pc = useAppSelector((state) => selectPc(state, pcId));
  const session = useAppSelector((state) => selectSessionOf(state, pcId));
  const alerts = useAppSelector((state) => selectAlertCount(state, pcId));
  const locked = useAppSelector((state) => selectLocked(state, pcId));
  const maintenance = useAppSelector((state) => selectMaintenance(state, pcId));
  // Only tiles with a session follow the clock (a countdown, or the time played by a guest who pays after).
  const now = useClock(session !== null && (session.ends_at !== null || session.started_at !== null));
  if (!pc) return null;
  const tile = tileOf(pc, session, alerts, now, locked, maintenance);
  const person = who(tile);
  const status = t(`map.status.${tile.status}`);
  const lockNote =
    tile.status !== "maintenance" ? null : session ? t("pcs.lockedInSession") : tile.maintenance ? t("pcs.serviced") : t("pcs.unlockedFree");

  return (
    <article
      className="pc-tile"
      data-testid={`pc-tile-${pc.id}`}
      data-pc={pc.id}
      data-status={tile.status}
      data-cost={session?.cost ?? undefined}
      data-left-ms={tile.leftMs ?? undefined}
      data-session={session?.id ?? undefined}
      aria-selected={selected}
      aria-label={`${pc.id}: ${status}${lockNote ? `, ${lockNote}` : ""}`}
      role="option"
      tabIndex={0}
      onClick={(event) => handlers.onSelect(pc.id, event)}
      onDoubleClick={() => handlers.onOpen(pc.id)}
      onContextMenu={(event) => {
        event.preventDefault();
        handlers.onMenu(pc.id, { x: event.clientX, y: event.clientY });
      }}
      onTouchStart={(event) => {
        const touch = event.touches[0];
        if (!touch) return;
        const at = { x: touch.clientX, y: touch.clientY };
        pressTimer = setTimeout(() => handlers.onMenu(pc.id, at), LONG_PRESS_MS);
      }}
      onTouchEnd={() => {
        if (pressTimer !== null) clearTimeout(pressTimer);
      }}
      onTouchMove={() => {
        if (pressTimer !== null) clearTimeout(pressTimer);
      }}
    >
      <div className="pc-head">
        <span className="pc-name">{pc.id}</span>
        {tile.locked === true && session && <Padlock title={t("pcs.locked")} />}
        {alerts > 0 && (
          <span className="pc-alerts" title={t("map.alerts", { count: alerts })} data-testid="alert-badge">
            {alerts}
          </span>
        )}
      </div>
      <span className="pc-status">{lockNote ?? status}</span>
      {person === "member" && session?.member_id ? (
        <span className="pc-who">
          <MemberLogin memberId={session.member_id} />
        </span>
      ) : person !== null ? (
        <span className="pc-who">{t(`map.${person}`)}</span>
      ) : null}
      {session && (
        <span className="pc-left" data-testid="time-left">
          {tile.leftMs !== null
            ? t("map.left", { time: format.countdown(tile.leftMs) })
            : session.started_at !== null
              ? t("pcs.played", { time: format.countdown(now - session.started_at) })
              : t("map.onBalance")}
        </span>
      )}
      {session && session.cost !== null && (
        <span className="pc-cost" data-testid="cost">
          {t("map.cost", { money: format.money(session.cost) })}
        </span>
      )}
    </article>
  );
});
