import { Box, Paper, Stack, Typography } from "@mui/material";
import type { ReactNode } from "react";

import { LanguageSwitch } from "../LanguageSwitch";

/** The frame of the pages before the console: sign-in, required actions, signed out. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="main" sx={{ minHeight: "100vh", display: "grid", placeItems: "center", p: 2, bgcolor: "background.default" }}>
      <Paper elevation={3} sx={{ width: "100%", maxWidth: 440, p: 4 }}>
        <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center", mb: 3 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700, color: "primary.main" }}>
            icafe
          </Typography>
          <LanguageSwitch />
        </Stack>
        <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
          {title}
        </Typography>
        {children}
      </Paper>
    </Box>
  );
}
