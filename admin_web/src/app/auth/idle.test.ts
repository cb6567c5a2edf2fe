import { describe, expect, it } from "vitest";

import { ACTIVITY_KEY, ActivityClock, idleState, SHARE_EVERY_MS, WARN_MS } from "./idle";

class MemoryStore {
  readonly data = new Map<string, string>();
  writes = 0;
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.writes += 1;
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

const MIN = 60_000;

describe("idle state", () => {
  it("is active until the warning, warns for the last minute, then is over", () => {
    expect(idleState(0, 0, 30 * MIN)).toEqual({ phase: "active", warnInMs: 29 * MIN });
    expect(idleState(29 * MIN, 0, 30 * MIN)).toEqual({ phase: "warning", leftMs: WARN_MS });
    expect(idleState(30 * MIN - 1, 0, 30 * MIN)).toEqual({ phase: "warning", leftMs: 1 });
    expect(idleState(30 * MIN, 0, 30 * MIN)).toEqual({ phase: "over" });
    expect(idleState(31 * MIN, 0, 30 * MIN)).toEqual({ phase: "over" });
  });

  it("warns for half the limit when the limit is short", () => {
    expect(idleState(0, 0, 80_000)).toEqual({ phase: "active", warnInMs: 40_000 });
  });

  it("starts again from the last input", () => {
    expect(idleState(40 * MIN, 15 * MIN, 30 * MIN)).toEqual({ phase: "active", warnInMs: 4 * MIN });
  });
});

describe("activity clock", () => {
  it("counts input of this tab and of the others, and writes continuous input at most every few seconds", () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const tab = new ActivityClock(store, () => now);
    expect(tab.lastActive()).toBe(1_000_000);
    tab.touch();
    expect(store.getItem(ACTIVITY_KEY)).toBe("1000000");
    for (let i = 0; i < 50; i += 1) {
      now += 100;
      tab.touch();
    }
    expect(store.writes).toBe(2); // the first, then one SHARE_EVERY_MS later
    expect(tab.lastActive()).toBe(now);

    // Another tab saw input later: this tab is not idle either.
    const other = new ActivityClock(store, () => now);
    now += 10 * MIN;
    other.touch();
    expect(tab.lastActive()).toBe(now);
  });

  it("writes the first input after a pause at once (another tab may be about to log out)", () => {
    let now = 0;
    const store = new MemoryStore();
    const tab = new ActivityClock(store, () => now);
    tab.touch();
    now += SHARE_EVERY_MS + 1;
    tab.touch();
    expect(store.getItem(ACTIVITY_KEY)).toBe(String(now));
  });

  it("ignores a value in storage that is not a number", () => {
    const store = new MemoryStore();
    store.setItem(ACTIVITY_KEY, "garbage");
    expect(new ActivityClock(store, () => 5).lastActive()).toBe(5);
  });
});
