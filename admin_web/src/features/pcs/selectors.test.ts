import { describe, expect, it } from "vitest";

import type { Pc } from "../../api/types";
import reducer, { eventReceived, initialLiveState, snapshotLoaded } from "../../live/slice";
import type { RootState } from "../../live/store";
import { allTiles, selectAlertCount, selectLayoutKey, zonesOf } from "./selectors";

const pc = (id: string, group: string, extra: Partial<Pc> = {}): Pc => ({
  id,
  site: "main",
  status: "online",
  status_since: 1,
  hostname: id,
  group,
  session_id: null,
  ...extra,
});

const root = (live = initialLiveState): RootState => ({ live });
const loaded = reducer(initialLiveState, snapshotLoaded({ pcs: [pc("pc-3", "vip"), pc("pc-1", "default"), pc("pc-2", "vip", { alert_count: 2 })], sessions: [] }));

describe("map selectors", () => {
  it("lay PCs out by zone, in the order the hub lists the groups, unknown groups last", () => {
    const key = selectLayoutKey(root(loaded));
    const zones = zonesOf(key, [
      { id: "vip", name: "VIP" },
      { id: "default", name: "Standard" },
    ]);
    expect(zones).toEqual([
      { id: "vip", name: "VIP", pcIds: ["pc-2", "pc-3"] },
      { id: "default", name: "Standard", pcIds: ["pc-1"] },
    ]);
    expect(zonesOf(key, []).map((zone) => zone.id)).toEqual(["default", "vip"]);
    expect(zonesOf("", [])).toEqual([]);
  });

  it("change the layout key only when PCs come, go or move, not when one reports", () => {
    const before = selectLayoutKey(root(loaded));
    const reported = reducer(loaded, eventReceived({ type: "pc.telemetry", pc_id: "pc-1", telemetry: { cpu_percent: 50, locked: true } }));
    expect(selectLayoutKey(root(reported))).toBe(before);
    const added = reducer(loaded, eventReceived({ type: "pc.status", pc_id: "pc-9", status: "online", at: 2 }));
    expect(selectLayoutKey(root(added))).not.toBe(before);
  });

  it("count a PC's alerts: the list's count, or more when the feed reports more", () => {
    expect(selectAlertCount(root(loaded), "pc-2")).toBe(2);
    const alert = { id: "a1", pc_id: "pc-1", kind: "login_failures", state: "open", message: "5 failed", count: 5, first_at: 1, last_at: 2 };
    const alerted = reducer(loaded, eventReceived({ type: "pc.alert", pc_id: "pc-1", alert }));
    expect(selectAlertCount(root(alerted), "pc-1")).toBe(1);
    expect(allTiles(alerted, 10).find((tile) => tile.pc.id === "pc-1")).toMatchObject({ status: "free", alerts: 1 });
  });
});
