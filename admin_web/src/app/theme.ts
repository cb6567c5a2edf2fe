import { createTheme } from "@mui/material/styles";

import type { LegendKey } from "../live/tiles";

/** The legend's colours: distinct in hue and lightness, so they read for colour-blind staff too. */
export const STATUS_COLOURS: Record<LegendKey, { bg: string; fg: string; border: string }> = {
  free: { bg: "#e8f5e9", fg: "#1b5e20", border: "#43a047" },
  in_session: { bg: "#e3f2fd", fg: "#0d47a1", border: "#1e88e5" },
  ending: { bg: "#fff3e0", fg: "#8a4b00", border: "#fb8c00" },
  offline_paid: { bg: "#c62828", fg: "#ffffff", border: "#8e0000" },
  offline: { bg: "#eceff1", fg: "#455a64", border: "#90a4ae" },
  maintenance: { bg: "#455a64", fg: "#ffffff", border: "#263238" },
  attention: { bg: "#f3e5f5", fg: "#4a148c", border: "#8e24aa" },
};

export const theme = createTheme({
  palette: {
    primary: { main: "#0b6e4f" },
    secondary: { main: "#1e88e5" },
    background: { default: "#f5f7f6" },
  },
  shape: { borderRadius: 8 },
  // Buttons in sentence case: longer labels (uz, ru) read better and wrap less than in capitals.
  typography: { fontFamily: '"DejaVu Sans", "Segoe UI", Roboto, Arial, sans-serif', button: { textTransform: "none", fontWeight: 600 } },
});
