/** Every failure of a call to the hub, normalised: a stable code, a human message, the HTTP status. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds to wait before trying again (429, 503), when the hub says. */
  readonly retryAfterS: number | null;

  constructor(code: string, message: string, status: number, retryAfterS: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.retryAfterS = retryAfterS;
  }

  /** The connection failed or the hub is down or busy: worth retrying the same action. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** The hub answers errors as `{"error": {"code", "message"}}`; anything else (a proxy's page) is generic. */
export function errorFrom(body: unknown, status: number, retryAfter: string | null): ApiError {
  const retryAfterS = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) : null;
  const inner = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof inner === "object" && inner !== null) {
    const { code, message } = inner as { code?: unknown; message?: unknown };
    if (typeof code === "string" && typeof message === "string") return new ApiError(code, message, status, retryAfterS);
  }
  if (status >= 500) return new ApiError("server_error", `the hub answered ${status}`, status, retryAfterS);
  return new ApiError("http_" + String(status), `the hub answered ${status}`, status, retryAfterS);
}

export function networkError(cause: unknown): ApiError {
  const error = new ApiError("network", "the hub cannot be reached", 0);
  error.cause = cause;
  return error;
}
