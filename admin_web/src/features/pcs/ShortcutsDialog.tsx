/** The map's keyboard shortcuts (press ? on the map). */
import { Dialog, DialogActions, DialogContent, DialogTitle, Button, Table, TableBody, TableCell, TableRow, Box } from "@mui/material";
import { useTranslation } from "react-i18next";

import { ALL_ACTIONS, SHORTCUTS } from "./actions";

function Key({ children }: { children: string }) {
  return (
    <Box component="kbd" sx={{ display: "inline-block", my: 0.25, px: 0.75, py: 0.25, border: 1, borderColor: "divider", borderRadius: 1, fontFamily: "monospace", fontSize: 13, bgcolor: "background.default", mr: 0.5 }}>
      {children}
    </Box>
  );
}

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const rows: [string[], string][] = [
    ...ALL_ACTIONS.flatMap((kind): [string[], string][] => {
      const key = SHORTCUTS[kind];
      return key ? [[[key.toUpperCase()], t(`pcs.actions.${kind}`)]] : [];
    }),
    [[t("pcs.keys.click")], t("pcs.help.click")],
    [["Ctrl", t("pcs.keys.click")], t("pcs.help.ctrlClick")],
    [["Shift", t("pcs.keys.click")], t("pcs.help.shiftClick")],
    [[t("pcs.keys.rightClick"), "Enter"], t("pcs.help.menu")],
    [[t("pcs.keys.doubleClick")], t("pcs.help.open")],
    [["Ctrl", "A"], t("pcs.help.selectAll")],
    [["Esc"], t("pcs.help.clear")],
    [["V"], t("pcs.help.view")],
    [["?"], t("pcs.help.help")],
  ];
  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth data-testid="shortcuts-dialog">
      <DialogTitle>{t("pcs.shortcutsTitle")}</DialogTitle>
      <DialogContent>
        <Table size="small">
          <TableBody>
            {rows.map(([keys, what]) => (
              <TableRow key={keys.join("+") + what}>
                <TableCell sx={{ width: "45%" }}>
                  {keys.map((key) => (
                    <Key key={key}>{key}</Key>
                  ))}
                </TableCell>
                <TableCell>{what}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t("pcs.close")}</Button>
      </DialogActions>
    </Dialog>
  );
}
