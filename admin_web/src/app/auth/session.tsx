/**
 * Who is signed in, for the whole app: the tokens (from the API module's AuthSession), the user and
 * permissions from `/auth/me` (never a second copy of the role map), and where a sign-out sends the user.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useDispatch } from "react-redux";
import { Navigate, useLocation, useNavigate } from "react-router";

import { api, auth } from "../../api/client";
import type { SignOutReason, Tokens } from "../../api/auth";
import type { Me, SessionAnswer } from "../../api/types";
import { signedOut } from "../../live/slice";

interface SessionValue {
  tokens: Tokens | null;
  /** Why the session just ended (the signed-out page is on its way), else null. */
  endedBecause: SignOutReason | null;
  me: Me | undefined;
  /** Does the signed-in user's role (and token scope) allow this permission, as the hub says? */
  can: (permission: string) => boolean;
  signIn: (answer: SessionAnswer) => void;
  logout: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession outside SessionProvider");
  return value;
}

function here(location: { pathname: string; search: string }): string {
  return location.pathname + location.search;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [tokens, setTokens] = useState<Tokens | null>(() => auth.tokens());
  const [endedBecause, setEndedBecause] = useState<SignOutReason | null>(null);
  const queryClient = useQueryClient();
  const dispatch = useDispatch();
  const navigate = useNavigate();
  const location = useLocation();
  const from = here(location);

  useEffect(
    () =>
      auth.subscribe((next, reason) => {
        setTokens(next);
        setEndedBecause(next === null ? reason : null);
        if (next === null) {
          queryClient.clear();
          dispatch(signedOut());
          if (reason !== null) {
            const back = reason === "logout" ? "" : `&from=${encodeURIComponent(from)}`;
            void navigate(`/signed-out?reason=${reason}${back}`, { replace: true });
          }
        }
      }),
    [queryClient, dispatch, navigate, from],
  );

  const me = useQuery({
    queryKey: ["me", tokens?.username, tokens?.scope],
    queryFn: api.me,
    enabled: tokens !== null,
    staleTime: 60_000,
  });

  const value = useMemo<SessionValue>(() => {
    const permissions = new Set(me.data?.permissions ?? []);
    return {
      tokens,
      endedBecause,
      me: me.data,
      can: (permission) => permissions.has(permission),
      signIn: (answer) => {
        auth.signedIn(answer);
      },
      logout: () => auth.logout(api.logout),
    };
  }, [tokens, endedBecause, me.data]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** Pages for a full session: others are sent to sign in (and back here after), or to finish the required actions. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { tokens, endedBecause } = useSession();
  const location = useLocation();
  // Signed out just now: the provider is taking the user to the signed-out page (with the way back).
  if (tokens === null && endedBecause !== null) return null;
  if (tokens === null) return <Navigate to={`/login?next=${encodeURIComponent(here(location))}`} replace />;
  if (tokens.scope !== "full") return <Navigate to="/welcome" replace />;
  return <>{children}</>;
}
