/**
 * The front-desk actions on PCs, which PCs each applies to, who may do it, and its keyboard shortcut. One
 * place, used by the context menu, the selection bar, the shortcuts and their help (actions.test.ts).
 * Whether an action is allowed is the hub's permission (from /auth/me); whether it applies is what the
 * live state says of the PC (a stop needs a session). The hub decides again when the request comes.
 */
import type { Tile } from "../../live/tiles";

export type CommandKind = "message" | "lock" | "unlock" | "maintenance" | "restart" | "shutdown";
export type ActionKind = "start" | "extend" | "stop" | "pay" | "price" | CommandKind;

export const SESSION_ACTIONS: readonly ActionKind[] = ["start", "extend", "stop", "pay", "price"];
export const COMMAND_ACTIONS: readonly CommandKind[] = ["message", "lock", "unlock", "maintenance", "restart", "shutdown"];
export const ALL_ACTIONS: readonly ActionKind[] = [...SESSION_ACTIONS, ...COMMAND_ACTIONS];

/** Actions that take one PC only (the rest apply to every selected PC they fit); an unlock has its own reason and code. */
export const SINGLE_PC: ReadonlySet<ActionKind> = new Set(["pay", "price", "unlock"]);

export function isCommand(kind: ActionKind): kind is CommandKind {
  return (COMMAND_ACTIONS as readonly string[]).includes(kind);
}

/**
 * The permissions that allow an action, any one of them. `pcs:command` allows every command; the
 * finer ones let a role send only some (a cashier may message and lock a PC, not restart it).
 */
export const PERMISSIONS: Record<ActionKind, readonly string[]> = {
  start: ["sessions:manage"],
  extend: ["sessions:manage"],
  stop: ["sessions:manage"],
  pay: ["money:collect"],
  price: ["sessions:read"],
  message: ["pcs:command", "pcs:message"],
  lock: ["pcs:command", "pcs:lock"],
  unlock: ["pcs:command"],
  maintenance: ["pcs:command"],
  restart: ["pcs:command"],
  shutdown: ["pcs:command"],
};

export function allowed(kind: ActionKind, can: (permission: string) => boolean): boolean {
  return PERMISSIONS[kind].some(can);
}

/** Whether `kind` makes sense for this PC now. */
export function appliesTo(kind: ActionKind, tile: Tile): boolean {
  const online = tile.pc.status === "online";
  const session = tile.session;
  switch (kind) {
    case "start":
      return online && session === null;
    case "extend":
      return session !== null && session.kind !== "postpaid";
    case "stop":
    case "price":
      return session !== null;
    case "pay":
      // A prepaid guest pays while playing; a postpaid guest when stopped (the stop dialog offers it).
      return session?.kind === "prepaid";
    case "lock":
      return online && tile.locked !== true;
    case "unlock":
      return online && tile.locked !== false;
    case "maintenance":
      // The lock screen shows "being serviced" and takes no logins: for a PC nobody is using.
      return online && session === null && !tile.maintenance;
    case "message":
    case "restart":
    case "shutdown":
      return online;
  }
}

/** The PCs of `tiles` an action applies to (the batch it is sent to). */
export function targetsOf(kind: ActionKind, tiles: readonly Tile[]): Tile[] {
  return tiles.filter((tile) => appliesTo(kind, tile));
}

/** Shortcuts on the map (no modifier; ignored while typing in a field or with a dialog open). */
export const SHORTCUTS: Partial<Record<ActionKind, string>> = {
  start: "n",
  extend: "e",
  stop: "x",
  pay: "p",
  price: "i",
  message: "m",
  lock: "l",
  unlock: "u",
  restart: "r",
};

export type MapKey = ActionKind | "help" | "selectAll" | "clear" | "view" | "menu";

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** What a key press on the map asks for, or null. */
export function mapKeyOf(press: KeyPress): MapKey | null {
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (press.altKey) return null;
  if (press.ctrlKey || press.metaKey) return key === "a" ? "selectAll" : null;
  if (key === "?") return "help";
  if (key === "Escape") return "clear";
  if (key === "v") return "view";
  if (key === "Enter" || key === "ContextMenu") return "menu";
  for (const kind of ALL_ACTIONS) if (SHORTCUTS[kind] === key) return kind;
  return null;
}
