/**
 * What the map reads from the live slice, shaped so that a change to one PC redraws only that PC's tile:
 * each tile selects its own PC, session, alert count and lock; the zones select a string key that
 * changes only when PCs are added, removed or moved between groups.
 */
import { createSelector } from "@reduxjs/toolkit";

import type { Pc, Session } from "../../api/types";
import type { LiveState } from "../../live/slice";
import type { RootState } from "../../live/store";
import { tileOf, type Tile } from "../../live/tiles";

/** Unresolved alerts per PC that the live feed has reported (pc.alert). */
export const liveAlertCounts = createSelector([(live: LiveState) => live.alerts], (alerts) => {
  const counts: Record<string, number> = {};
  for (const id of alerts.ids) {
    const alert = alerts.entities[id];
    if (alert && alert.state !== "resolved") counts[alert.pc_id] = (counts[alert.pc_id] ?? 0) + 1;
  }
  return counts;
});

export function selectPc(state: RootState, pcId: string): Pc | undefined {
  return state.live.pcs.entities[pcId];
}

export function selectSessionOf(state: RootState, pcId: string): Session | null {
  const sessionId = state.live.pcs.entities[pcId]?.session_id;
  return sessionId ? (state.live.sessions.entities[sessionId] ?? null) : null;
}

/** The PC's unresolved alerts: the list's count when the map loaded, or more if the feed reported more. */
export function selectAlertCount(state: RootState, pcId: string): number {
  return Math.max(state.live.pcs.entities[pcId]?.alert_count ?? 0, liveAlertCounts(state.live)[pcId] ?? 0);
}

export function selectLocked(state: RootState, pcId: string): boolean | null {
  return state.live.locks[pcId] ?? null;
}

export function selectMaintenance(state: RootState, pcId: string): boolean {
  return state.live.maintenance[pcId] === true;
}

/** Every tile at `now` (the legend's counts, the list view, keyboard actions on the selection). */
export function allTiles(live: LiveState, now: number): Tile[] {
  const alerts = liveAlertCounts(live);
  return live.pcs.ids.flatMap((id) => {
    const pc = live.pcs.entities[id];
    if (!pc) return [];
    const session = pc.session_id ? (live.sessions.entities[pc.session_id] ?? null) : null;
    const alertCount = Math.max(pc.alert_count ?? 0, alerts[id] ?? 0);
    return [tileOf(pc, session, alertCount, now, live.locks[id] ?? null, live.maintenance[id] === true)];
  });
}

/** "group\tpc,pc,...\n" per group: a string, so the zones redraw only when the layout itself changes. */
export function selectLayoutKey(state: RootState): string {
  const byGroup = new Map<string, string[]>();
  const { ids, entities } = state.live.pcs;
  for (const id of ids) {
    const group = entities[id]?.group ?? "default";
    const members = byGroup.get(group);
    if (members) members.push(id);
    else byGroup.set(group, [id]);
  }
  return [...byGroup.entries()].map(([group, members]) => `${group}\t${members.join(",")}`).join("\n");
}

export interface Zone {
  id: string;
  name: string;
  pcIds: string[];
}

/** The layout key as zones in the order of the groups the hub lists (unknown groups last, by id). */
export function zonesOf(layoutKey: string, groups: readonly { id: string; name: string }[]): Zone[] {
  if (layoutKey === "") return [];
  const names = new Map(groups.map((group) => [group.id, group.name]));
  const order = groups.map((group) => group.id);
  const rank = (id: string) => {
    const at = order.indexOf(id);
    return at === -1 ? order.length : at;
  };
  return layoutKey
    .split("\n")
    .map((line) => {
      const [id = "", members = ""] = line.split("\t");
      return { id, name: names.get(id) ?? id, pcIds: members.split(",").filter(Boolean) };
    })
    .sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}
