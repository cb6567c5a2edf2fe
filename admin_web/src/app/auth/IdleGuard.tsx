/**
 * Logs out a console left without input for the hub's idle limit (idle.ts says why the console must),
 * after a warning with a countdown; any key, click, pointer move or touch, in any tab, keeps it signed in.
 * The signed-out page then says why and leads back to the page the user was on.
 */
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from "@mui/material";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, auth } from "../../api/client";
import { formatCountdown } from "../../i18n/format";
import { ActivityClock, idleState, type IdleState } from "./idle";

const INPUT = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;

const activity = new ActivityClock(window.localStorage, () => Date.now());

export function IdleGuard({ idleMs }: { idleMs: number }) {
  const { t } = useTranslation();
  const [state, setState] = useState<IdleState>(() => idleState(Date.now(), activity.lastActive(), idleMs));

  useEffect(() => {
    // Mounted by a sign-in (or a page load): the user's doing, whatever the clock said before the last
    // idle sign-out, which must not end the new session at once.
    activity.touch();
    const onInput = () => activity.touch();
    for (const name of INPUT) window.addEventListener(name, onInput, { capture: true, passive: true });
    return () => {
      for (const name of INPUT) window.removeEventListener(name, onInput, { capture: true });
    };
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const check = () => {
      const next = idleState(Date.now(), activity.lastActive(), idleMs);
      setState((previous) => (previous.phase === "active" && next.phase === "active" ? previous : next));
      if (next.phase === "over") {
        void auth.logout(api.logout, "idle");
        return;
      }
      // Nothing to do until the warning; during it, the countdown moves each second.
      timer = setTimeout(check, next.phase === "warning" ? Math.min(1000, next.leftMs) : next.warnInMs);
    };
    check();
    return () => {
      if (timer !== null) clearTimeout(timer);
    };
  }, [idleMs]);

  return (
    <Dialog open={state.phase === "warning"} data-testid="idle-warning" aria-labelledby="idle-title">
      <DialogTitle id="idle-title">{t("idle.title")}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {t("idle.body", { time: formatCountdown(state.phase === "warning" ? state.leftMs : 0) })}
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button
          variant="contained"
          onClick={() => {
            activity.touch();
            setState(idleState(Date.now(), activity.lastActive(), idleMs));
          }}
          data-testid="idle-stay"
          autoFocus
        >
          {t("idle.stay")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
