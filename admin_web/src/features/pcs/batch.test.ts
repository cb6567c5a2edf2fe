import { describe, expect, it } from "vitest";

import { runAll, type Outcome } from "./batch";

describe("batch actions", () => {
  it("runs every PC, a few at a time, and keeps each outcome", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: Record<string, Outcome<string>> = {};
    await runAll(
      ["a", "b", "c", "d", "e"],
      async (id) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        if (id === "c") throw new Error("c did not answer");
        return id.toUpperCase();
      },
      (id, outcome) => (seen[id] = outcome),
      2,
    );
    expect(most).toBe(2);
    expect(seen.a).toEqual({ state: "done", value: "A" });
    expect(seen.c?.state).toBe("failed");
    expect(Object.keys(seen).sort()).toEqual(["a", "b", "c", "d", "e"]);
  });
});
