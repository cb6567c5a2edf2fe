import { useEffect, useState } from "react";

/** The clock, ticking every `everyMs` (time left counts down on screen; nothing is fetched). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
