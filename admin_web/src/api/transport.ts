/**
 * The one fetch the console uses: adds the bearer token, refreshes it once when the hub says it
 * expired and retries the request, turns failures into `ApiError`s and reports faults (offline, 5xx,
 * 429, 403) for the global notice. Pure enough to test with a fake fetch (transport.test.ts).
 */
import type { AuthSession } from "./auth";
import { type ApiError, errorFrom, networkError } from "./errors";
import { reportFault, type Fault } from "./notices";

export type FetchLike = (request: Request) => Promise<Response>;

/** Routes that carry their own credentials in the body: a 401 there is a wrong password, not an expiry. */
const SELF_AUTHENTICATING = ["/api/v1/auth/login", "/api/v1/auth/refresh"];

export function authedFetch(auth: AuthSession, fetchImpl: FetchLike, report: (fault: Fault) => void = reportFault): FetchLike {
  return async (request: Request) => {
    const path = new URL(request.url).pathname;
    const retry = request.clone();
    const token = SELF_AUTHENTICATING.some((p) => path.startsWith(p)) ? null : auth.accessToken();
    if (token !== null) request.headers.set("Authorization", `Bearer ${token}`);
    let response = await send(fetchImpl, request, report);
    if (response.status === 401 && token !== null) {
      const code = await errorCode(response);
      if (code === "invalid_token") {
        const fresh = await auth.refresh(token);
        if (fresh !== null) {
          retry.headers.set("Authorization", `Bearer ${fresh}`);
          response = await send(fetchImpl, retry, report);
        }
      }
    }
    if (response.status >= 500) report({ kind: "server", status: response.status });
    else if (response.status === 429) report({ kind: "busy", retryAfterS: retryAfter(response) });
    return response;
  };
}

async function send(fetchImpl: FetchLike, request: Request, report: (fault: Fault) => void): Promise<Response> {
  try {
    return await fetchImpl(request);
  } catch (cause) {
    report({ kind: "offline" });
    throw networkError(cause);
  }
}

async function errorCode(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.clone().json();
    return errorFrom(body, response.status, null).code;
  } catch {
    return null;
  }
}

function retryAfter(response: Response): number | null {
  const value = response.headers.get("retry-after");
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * A failed answer as an `ApiError` (a 403 also raises the global notice: the role may not do this).
 * A 403 about a sensitive action's confirmation (a wrong or missing code or password) is not the role's
 * doing: the form shows it next to its field, and no notice says "your role may not".
 */
export function failureOf(body: unknown, response: Response, report: (fault: Fault) => void = reportFault): ApiError {
  const error = errorFrom(body, response.status, response.headers.get("retry-after"));
  if (response.status === 403 && !error.code.startsWith("confirmation_")) report({ kind: "forbidden", message: error.message });
  return error;
}
