/**
 * Start a session on one or several free PCs: a prepaid guest (30/60/120 minutes or any number), a
 * member (found as you type), or a guest who pays after. The hub's price is shown before confirming
 * (POST /sessions/quote); a prepaid guest then pays at once, in the same dialog.
 */
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Divider,
  Skeleton,
  Stack,
  Tab,
  Tabs,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from "@mui/material";
import { useQueries } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk, type NewSession, type Quote, type SessionView } from "../../api/frontdesk";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { sessionFetched } from "../../live/slice";
import { useAppDispatch } from "../../live/store";
import type { ChosenMember } from "../common/method";
import { MemberPicker } from "../common/MemberPicker";
import { useDebounced } from "../members/useDebounced";
import { useBatch, useFocusWhenSettled } from "../pcs/batch";
import { BatchResults } from "../pcs/BatchResults";
import { GuestPayment } from "./GuestPayment";
import "./messages";
import { PriceLines } from "./PriceLines";
import { parseMinutes } from "./validators";


export type StartMode = "prepaid" | "member" | "postpaid";
export const PRESET_MINUTES = [30, 60, 120] as const;

function bodyFor(pcId: string, mode: StartMode, minutes: number | null, member: ChosenMember | null): NewSession | null {
  if (mode === "prepaid") return minutes === null ? null : { pc_id: pcId, guest: { prepaid_minutes: minutes } };
  if (mode === "postpaid") return { pc_id: pcId, guest: { postpaid: true } };
  return member === null ? null : { pc_id: pcId, member_id: member.id };
}

export default function StartSessionDialog({ pcIds, onClose, initialMode = "prepaid" }: { pcIds: string[]; onClose: () => void; initialMode?: StartMode }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const dispatch = useAppDispatch();
  const single = pcIds.length === 1;
  const [mode, setMode] = useState<StartMode>(single ? initialMode : initialMode === "member" ? "prepaid" : initialMode);
  const [preset, setPreset] = useState<number | null>(60);
  const [custom, setCustom] = useState("");
  const [member, setMember] = useState<ChosenMember | null>(null);
  const [tried, setTried] = useState(false);
  const batch = useBatch<SessionView>();

  const customMinutes = custom.trim() === "" ? null : parseMinutes(custom);
  const minutes = custom.trim() !== "" ? customMinutes : preset;
  const settledMinutes = useDebounced(minutes, 250);
  const bodies = pcIds.map((pcId) => bodyFor(pcId, mode, settledMinutes, member));
  const quotes = useQueries({
    queries: bodies.map((body, index) => ({
      queryKey: ["quote", pcIds[index], body],
      queryFn: () => frontdesk.quoteSession(body as NewSession),
      enabled: body !== null,
      staleTime: 30_000,
      retry: false,
    })),
  });
  const quoted = quotes.every((quote) => quote.isSuccess) && settledMinutes === minutes;
  const quoteError = quotes.find((quote) => quote.isError)?.error;
  const totals = quotes.flatMap((quote) => (typeof quote.data?.total === "number" ? [quote.data.total] : []));
  const sum = totals.length === quotes.length ? totals.reduce((a, b) => a + b, 0) : null;

  const minutesProblem = mode === "prepaid" && minutes === null;
  const memberProblem = mode === "member" && member === null;
  const started = batch.done.length > 0 ? batch.outcomes[batch.done[0] ?? ""] : undefined;
  const startedSession = started?.state === "done" ? started.value : null;
  const finished = batch.started && !batch.running && batch.failed.length === 0;

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (minutesProblem || memberProblem || batch.running || finished) return;
    if (!quoted && quoteError === undefined) return; // the price first, then the session
    const todo = batch.started ? batch.failed : pcIds;
    void batch.run(todo, async (pcId) => {
      const body = bodyFor(pcId, mode, minutes, member);
      if (body === null) throw new Error("nothing to start");
      const session = await frontdesk.startSession(body);
      dispatch(sessionFetched(session));
      return session;
    });
  };

  // After a single prepaid start, the guest pays here and now.
  const payNow = finished && single && mode === "prepaid" && startedSession !== null && can("money:collect");
  // Not while the guest's payment is asked for: Enter there must not close the dialog unpaid.
  const closeButton = useFocusWhenSettled(batch.started && !batch.running && !payNow);

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="start-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{single ? t("desk.start.titleOne", { pc: pcIds[0] }) : t("desk.start.titleMany", { count: pcIds.length })}</DialogTitle>
        <DialogContent sx={{ minHeight: 340 }}>
          {!batch.started && (
            <>
              <Tabs value={mode} onChange={(_, next: StartMode) => setMode(next)} sx={{ mb: 2 }} variant="fullWidth">
                <Tab value="prepaid" label={t("desk.start.prepaid")} data-testid="mode-prepaid" />
                <Tab value="member" label={t("desk.start.member")} disabled={!single} data-testid="mode-member" />
                <Tab value="postpaid" label={t("desk.start.postpaid")} data-testid="mode-postpaid" />
              </Tabs>
              {mode === "prepaid" && (
                <Stack spacing={2}>
                  <ToggleButtonGroup
                    exclusive
                    fullWidth
                    value={custom.trim() === "" ? preset : null}
                    onChange={(_, next: number | null) => {
                      if (next === null) return;
                      setPreset(next);
                      setCustom("");
                    }}
                    aria-label={t("desk.start.minutes")}
                  >
                    {PRESET_MINUTES.map((value) => (
                      <ToggleButton key={value} value={value} data-testid={`preset-${value}`} sx={{ fontSize: 16, fontWeight: 600, py: 1.25, textTransform: "none" }}>
                        {format.duration(value * 60_000)}
                      </ToggleButton>
                    ))}
                  </ToggleButtonGroup>
                  <TextField
                    label={t("desk.start.customMinutes")}
                    value={custom}
                    onChange={(event) => setCustom(event.target.value)}
                    error={custom.trim() !== "" && customMinutes === null}
                    helperText={custom.trim() !== "" && customMinutes === null ? t("desk.problems.minutes") : t("desk.start.customHint")}
                    slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 5, "data-testid": "custom-minutes" } }}
                  />
                </Stack>
              )}
              {mode === "member" && (
                <Stack spacing={2}>
                  <MemberPicker value={member} onChange={setMember} error={tried && memberProblem ? "required" : null} />
                  {member && member.balance <= 0 && <Alert severity="warning">{t("desk.start.emptyBalance")}</Alert>}
                </Stack>
              )}
              {mode === "postpaid" && <Alert severity="info">{t("desk.start.postpaidHint")}</Alert>}
              <Divider sx={{ my: 2 }} />
              <QuoteBox mode={mode} quotes={quotes.map((quote) => quote.data)} pending={!quoted && quoteError === undefined && bodies.some((body) => body !== null)} error={quoteError} sum={sum} pcIds={pcIds} />
            </>
          )}
          <BatchResults
            outcomes={batch.outcomes}
            describe={(session) => (session.ends_at ? t("desk.start.runsUntil", { time: format.time(session.ends_at) }) : t("desk.start.running"))}
          />
          {payNow && (
            <Box sx={{ mt: 2 }}>
              <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 700, mb: 1 }}>
                {t("desk.pay.title")}
              </Typography>
              <GuestPayment sessionId={startedSession.id} />
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button ref={closeButton} onClick={onClose} data-testid="start-close">
            {finished ? t("desk.close") : t("desk.cancel")}
          </Button>
          {!finished && (
            <Button type="submit" variant="contained" disabled={batch.running || (!quoted && quoteError === undefined)} data-testid="start-confirm">
              {batch.started
                ? t("desk.retryFailed", { count: batch.failed.length })
                : mode === "prepaid" && sum !== null && quoted
                  ? t("desk.start.confirmPrice", { price: format.money(sum) })
                  : t("desk.start.confirm")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

function QuoteBox({
  mode,
  quotes,
  pending,
  error,
  sum,
  pcIds,
}: {
  mode: StartMode;
  quotes: (Quote | undefined)[];
  pending: boolean;
  error: unknown;
  sum: number | null;
  pcIds: string[];
}) {
  const { t } = useTranslation();
  const format = useFormat();
  if (error !== undefined && error !== null) return <Alert severity="error">{messageOf(error, t)}</Alert>;
  const first = quotes[0];
  if (pending || first === undefined) {
    return (
      <Box data-testid="quote-pending">
        <Skeleton width="60%" />
        <Skeleton width="40%" />
      </Box>
    );
  }
  const rate = t("desk.perHour", { amount: format.money(first.hourly_rate) });
  return (
    <Box data-testid="quote">
      {mode === "postpaid" ? (
        <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "baseline" }}>
          <Typography color="text.secondary">{t("desk.start.rate")}</Typography>
          <Typography variant="h5" component="p" sx={{ fontWeight: 700 }} data-testid="quote-rate">
            {rate}
          </Typography>
        </Stack>
      ) : (
        <>
          <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "baseline" }}>
            <Typography color="text.secondary">{mode === "member" ? t("desk.start.balanceBuys") : t("desk.start.price")}</Typography>
            <Typography variant="h5" component="p" sx={{ fontWeight: 700, fontVariantNumeric: "tabular-nums" }} data-testid="quote-total" data-amount={sum ?? ""}>
              {mode === "member" ? format.duration((first.minutes ?? 0) * 60_000) : sum !== null ? format.money(sum) : "—"}
            </Typography>
          </Stack>
          <Typography variant="body2" color="text.secondary" sx={{ textAlign: "right" }}>
            {[
              pcIds.length > 1 ? t("desk.start.forEach", { count: pcIds.length }) : null,
              first.ends_at !== null && pcIds.length === 1 ? t("desk.start.until", { time: format.time(first.ends_at) }) : null,
              rate,
            ]
              .filter(Boolean)
              .join(" · ")}
          </Typography>
          {first.lines.length > 0 && <PriceLines lines={first.lines} dense />}
        </>
      )}
    </Box>
  );
}
