/** Providers and routes. Each screen is its own chunk (route-level code splitting); sign-in loads first. */
import { CacheProvider, type EmotionCache } from "@emotion/react";
import { CssBaseline, LinearProgress, ThemeProvider } from "@mui/material";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { Provider } from "react-redux";
import { createBrowserRouter, Outlet, RouterProvider } from "react-router";

import { ApiError } from "../api/errors";
import { INVENTORY_ROUTES } from "../features/inventory/screens";
import { REPORT_ROUTES } from "../features/reports/screens";
import { MONEY_ROUTES } from "../features/screens/routes";
import { store } from "../live/store";
import LoginPage from "./auth/LoginPage";
import { RequireSession, SessionProvider } from "./auth/session";
import { FaultNotice } from "./FaultNotice";
import { AccountPage, Allowed, Home, NotFound } from "./pages";
import { Shell } from "./Shell";
import { theme } from "./theme";

const RequiredActionsPage = lazy(() => import("./auth/RequiredActionsPage"));
const SignedOutPage = lazy(() => import("./auth/SignedOutPage"));
// The cashiers' home screen: fetched while the sign-in page waits for the password, not after it.
const loadPcMap = () => import("../features/pcs/PcMapPage");
const PcMapPage = lazy(loadPcMap);
const MembersPage = lazy(() => import("../features/members/MembersPage"));
const MemberPage = lazy(() => import("../features/members/MemberPage"));
const EnrollmentPage = lazy(() => import("../features/enrollment/EnrollmentPage"));
const FleetPage = lazy(() => import("../features/fleet/FleetPage"));
const AlertsPage = lazy(() => import("../features/alerts/AlertsPage"));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Transient faults (offline, 5xx, 429) are retried; a refusal (4xx) is an answer.
      retry: (count, error) => count < 3 && error instanceof ApiError && error.transient,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});

function Root() {
  useEffect(() => {
    const handle = window.requestIdleCallback(() => void loadPcMap(), { timeout: 2000 });
    return () => window.cancelIdleCallback(handle);
  }, []);
  return (
    <SessionProvider>
      <Suspense fallback={<LinearProgress />}>
        <Outlet />
      </Suspense>
      <FaultNotice />
    </SessionProvider>
  );
}

function Guarded({ children }: { children: ReactNode }) {
  return <RequireSession>{children}</RequireSession>;
}

const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      { path: "/login", element: <LoginPage /> },
      { path: "/welcome", element: <RequiredActionsPage /> },
      { path: "/signed-out", element: <SignedOutPage /> },
      {
        element: (
          <Guarded>
            <Shell />
          </Guarded>
        ),
        children: [
          { index: true, element: <Home /> },
          {
            path: "/pcs",
            element: (
              <Allowed permission="pcs:read">
                <PcMapPage />
              </Allowed>
            ),
          },
          {
            path: "/members",
            element: (
              <Allowed permission="members:read">
                <MembersPage />
              </Allowed>
            ),
          },
          {
            path: "/members/:memberRef",
            element: (
              <Allowed permission="members:read">
                <MemberPage />
              </Allowed>
            ),
          },
          {
            path: "/alerts",
            element: (
              <Allowed permission="pcs:read">
                <AlertsPage />
              </Allowed>
            ),
          },
          {
            path: "/enroll",
            element: (
              <Allowed permission="pcs:enroll">
                <EnrollmentPage />
              </Allowed>
            ),
          },
          {
            path: "/fleet",
            element: (
              <Allowed permission="fleet:update">
                <FleetPage />
              </Allowed>
            ),
          },
          ...MONEY_ROUTES.map(({ path, permission, element }) => ({ path, element: <Allowed permission={permission}>{element}</Allowed> })),
          ...REPORT_ROUTES.map(({ path, permission, element }) => ({ path, element: <Allowed permission={permission}>{element}</Allowed> })),
          ...INVENTORY_ROUTES.map(({ path, permission, element }) => ({ path, element: <Allowed permission={permission}>{element}</Allowed> })),
          { path: "/account", element: <AccountPage /> },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);

export function App({ emotionCache }: { emotionCache: EmotionCache }) {
  return (
    <CacheProvider value={emotionCache}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <Provider store={store}>
          <QueryClientProvider client={queryClient}>
            <RouterProvider router={router} />
          </QueryClientProvider>
        </Provider>
      </ThemeProvider>
    </CacheProvider>
  );
}
