/**
 * Idempotency keys for money actions. One key per intended action: a retry of the same action (same
 * payload, after a timeout, a 5xx or a lost connection) sends the same key, so the hub does it exactly
 * once; a changed payload or a new action after a success gets a new key.
 */
export function newKey(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

export class IdempotentAction {
  private key: string | null = null;
  private payload: string | null = null;

  constructor(private readonly makeKey: () => string = newKey) {}

  /** The key to send with `payload`: the same as last time while the payload and action are the same. */
  keyFor(payload: unknown): string {
    const text = JSON.stringify(payload);
    if (this.key === null || text !== this.payload) {
      this.key = this.makeKey();
      this.payload = text;
    }
    return this.key;
  }

  /** The action is done (or definitely refused): the next one is a new action. */
  finished(): void {
    this.key = null;
    this.payload = null;
  }
}
