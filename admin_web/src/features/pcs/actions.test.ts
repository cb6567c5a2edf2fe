import { describe, expect, it } from "vitest";

import type { Pc, Session } from "../../api/types";
import { tileOf } from "../../live/tiles";
import { allowed, appliesTo, mapKeyOf, targetsOf } from "./actions";

const NOW = 1_000_000;
const pc = (id: string, status = "online"): Pc => ({ id, site: "main", status, status_since: 1, hostname: id, group: "default", session_id: null });
const session = (kind: Session["kind"]): Session => ({
  id: `s-${kind}`,
  pc_id: "x",
  kind,
  state: "active",
  member_id: kind === "member" ? "m1" : null,
  tariff_id: "standard",
  prepaid_minutes: kind === "prepaid" ? 60 : null,
  budget: null,
  created_at: 1,
  started_at: 1,
  ends_at: kind === "postpaid" ? null : NOW + 3_600_000,
  ended_at: null,
  used_ms: 0,
  cost: 0,
});
const free = tileOf(pc("free"), null, 0, NOW, true);
const offline = tileOf(pc("off", "offline"), null, 0, NOW);
const prepaid = tileOf(pc("pre"), session("prepaid"), 0, NOW, false);
const postpaid = tileOf(pc("post"), session("postpaid"), 0, NOW, false);
const member = tileOf(pc("mem"), session("member"), 0, NOW, false);

describe("front-desk actions", () => {
  it("apply to the PCs whose state fits", () => {
    expect(appliesTo("start", free)).toBe(true);
    expect(appliesTo("start", offline)).toBe(false);
    expect(appliesTo("start", prepaid)).toBe(false);
    expect(appliesTo("stop", prepaid)).toBe(true);
    expect(appliesTo("stop", free)).toBe(false);
    expect(appliesTo("extend", member)).toBe(true);
    expect(appliesTo("extend", postpaid)).toBe(false); // nothing to extend: no limit
    expect(appliesTo("pay", prepaid)).toBe(true);
    expect(appliesTo("pay", member)).toBe(false); // charged to the balance
    expect(appliesTo("lock", free)).toBe(false); // already locked
    expect(appliesTo("lock", prepaid)).toBe(true);
    expect(appliesTo("unlock", free)).toBe(true);
    expect(appliesTo("message", offline)).toBe(false);
    expect(appliesTo("maintenance", free)).toBe(true);
    expect(appliesTo("maintenance", prepaid)).toBe(false);
    expect(appliesTo("maintenance", tileOf(pc("svc"), null, 0, NOW, true, true))).toBe(false);
  });

  it("a batch goes to the PCs it fits", () => {
    expect(targetsOf("stop", [free, prepaid, postpaid, offline]).map((tile) => tile.pc.id)).toEqual(["pre", "post"]);
    expect(targetsOf("message", [free, prepaid, offline]).map((tile) => tile.pc.id)).toEqual(["free", "pre"]);
  });

  it("are allowed by any of their permissions, as the hub names them", () => {
    const cashier = new Set(["sessions:manage", "money:collect", "sessions:read", "pcs:message", "pcs:lock"]);
    const can = (permission: string) => cashier.has(permission);
    expect(allowed("message", can)).toBe(true);
    expect(allowed("lock", can)).toBe(true);
    expect(allowed("unlock", can)).toBe(false);
    expect(allowed("restart", can)).toBe(false);
    expect(allowed("start", can)).toBe(true);
    expect(allowed("restart", (permission) => permission === "pcs:command")).toBe(true);
  });

  it("keys: one letter per frequent action, Ctrl+A, Escape, ? and V; nothing with Alt", () => {
    const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
      mapKeyOf({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });
    expect(key("n")).toBe("start");
    expect(key("X")).toBe("stop");
    expect(key("p")).toBe("pay");
    expect(key("?")).toBe("help");
    expect(key("Escape")).toBe("clear");
    expect(key("a", { ctrlKey: true })).toBe("selectAll");
    expect(key("a", { metaKey: true })).toBe("selectAll");
    expect(key("n", { ctrlKey: true })).toBeNull();
    expect(key("n", { altKey: true })).toBeNull();
    expect(key("Enter")).toBe("menu");
    expect(key("v")).toBe("view");
    expect(key("z")).toBeNull();
  });
});
