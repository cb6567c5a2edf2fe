/**
 * Which PCs are selected on the map, as a pure reducer (selection.test.ts): a click selects one PC,
 * Ctrl/Cmd+click adds or removes one, Shift+click adds the range from the last clicked PC in the order
 * the map shows them; a legend count selects every PC of that status.
 */

export interface Selection {
  ids: ReadonlySet<string>;
  /** The PC a Shift+click range starts from. */
  anchor: string | null;
}

export type SelectionAction =
  | { type: "click"; id: string; order: readonly string[]; range: boolean; toggle: boolean }
  | { type: "set"; ids: readonly string[] }
  | { type: "replace"; ids: readonly string[] }
  | { type: "clear" }
  | { type: "keep"; existing: ReadonlySet<string> };

export const noSelection: Selection = { ids: new Set(), anchor: null };

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((id) => a.has(id));
}

export function selectionReducer(state: Selection, action: SelectionAction): Selection {
  switch (action.type) {
    case "click": {
      const { id, order } = action;
      if (action.range && state.anchor !== null) {
        const from = order.indexOf(state.anchor);
        const to = order.indexOf(id);
        if (from !== -1 && to !== -1) {
          const [low, high] = from < to ? [from, to] : [to, from];
          return { ids: new Set([...state.ids, ...order.slice(low, high + 1)]), anchor: state.anchor };
        }
      }
      if (action.toggle || action.range) {
        const ids = new Set(state.ids);
        if (ids.has(id)) ids.delete(id);
        else ids.add(id);
        return { ids, anchor: id };
      }
      // A plain click on the only selected PC lets it go; on any other, selects just that one.
      if (state.ids.size === 1 && state.ids.has(id)) return noSelection;
      return { ids: new Set([id]), anchor: id };
    }
    case "set":
      // Clicking the same count again clears it.
      if (action.ids.length > 0 && sameSet(state.ids, action.ids)) return noSelection;
      return { ids: new Set(action.ids), anchor: null };
    case "replace":
      return { ids: new Set(action.ids), anchor: state.anchor };
    case "clear":
      return state.ids.size === 0 ? state : noSelection;
    case "keep": {
      // PCs that disappeared from the map leave the selection.
      const kept = [...state.ids].filter((id) => action.existing.has(id));
      if (kept.length === state.ids.size) return state;
      return { ids: new Set(kept), anchor: state.anchor !== null && action.existing.has(state.anchor) ? state.anchor : null };
    }
  }
}
