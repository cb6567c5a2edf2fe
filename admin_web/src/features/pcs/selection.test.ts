import { describe, expect, it } from "vitest";

import { noSelection, selectionReducer, type Selection, type SelectionAction } from "./selection";

const order = ["pc-1", "pc-2", "pc-3", "pc-4", "pc-5"];
const click = (id: string, keys: { range?: boolean; toggle?: boolean } = {}): SelectionAction => ({
  type: "click",
  id,
  order,
  range: keys.range ?? false,
  toggle: keys.toggle ?? false,
});
const run = (...actions: SelectionAction[]): Selection => actions.reduce(selectionReducer, noSelection);
const ids = (selection: Selection) => [...selection.ids].sort();

describe("map selection", () => {
  it("a click selects one PC; the same click again lets it go", () => {
    expect(ids(run(click("pc-2")))).toEqual(["pc-2"]);
    expect(ids(run(click("pc-2"), click("pc-4")))).toEqual(["pc-4"]);
    expect(ids(run(click("pc-2"), click("pc-2")))).toEqual([]);
  });

  it("Ctrl+click adds and removes single PCs", () => {
    expect(ids(run(click("pc-1"), click("pc-3", { toggle: true })))).toEqual(["pc-1", "pc-3"]);
    expect(ids(run(click("pc-1"), click("pc-3", { toggle: true }), click("pc-1", { toggle: true })))).toEqual(["pc-3"]);
  });

  it("Shift+click adds the range from the last clicked PC, in either direction", () => {
    expect(ids(run(click("pc-2"), click("pc-4", { range: true })))).toEqual(["pc-2", "pc-3", "pc-4"]);
    expect(ids(run(click("pc-4"), click("pc-2", { range: true })))).toEqual(["pc-2", "pc-3", "pc-4"]);
    // Without an anchor, Shift+click adds just that PC.
    expect(ids(run(click("pc-5", { range: true })))).toEqual(["pc-5"]);
    // A range adds to what was selected with Ctrl.
    expect(ids(run(click("pc-1"), click("pc-3", { toggle: true }), click("pc-5", { range: true })))).toEqual(["pc-1", "pc-3", "pc-4", "pc-5"]);
  });

  it("a legend count selects its PCs; the same count again clears", () => {
    const set: SelectionAction = { type: "set", ids: ["pc-2", "pc-5"] };
    expect(ids(run(set))).toEqual(["pc-2", "pc-5"]);
    expect(ids(run(set, set))).toEqual([]);
    expect(ids(run(click("pc-1"), set))).toEqual(["pc-2", "pc-5"]);
  });

  it("PCs gone from the map leave the selection; nothing changes when all remain", () => {
    const state = run(click("pc-1"), click("pc-2", { toggle: true }));
    expect(ids(selectionReducer(state, { type: "keep", existing: new Set(["pc-2"]) }))).toEqual(["pc-2"]);
    expect(selectionReducer(state, { type: "keep", existing: new Set(order) })).toBe(state);
    expect(selectionReducer(noSelection, { type: "clear" })).toBe(noSelection);
  });
});
