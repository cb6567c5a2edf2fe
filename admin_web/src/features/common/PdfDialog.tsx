/**
 * A PDF from the hub (a receipt, a shift report) previewed in the browser's own PDF viewer, in A4 or on
 * an 80 mm roll and in any of the three languages; Print opens the browser's print dialog for it.
 */
import PrintIcon from "@mui/icons-material/Print";
import OpenInNewIcon from "@mui/icons-material/OpenInNew";
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  MenuItem,
  Stack,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
} from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Layout, PrintLanguage } from "../../api/money";
import { messageOf } from "../../app/errors";
import { isLanguage, LANGUAGES } from "../../i18n/format";
import { pdfUrl } from "./files";
import "./messages";

const LANGUAGE_NAMES: Record<PrintLanguage, string> = { uz: "O'zbekcha", ru: "Русский", en: "English" };

interface Props {
  open: boolean;
  title: string;
  /** Identifies the document (query cache key). */
  documentKey: readonly unknown[];
  load: (layout: Layout, language: PrintLanguage) => Promise<Blob>;
  onClose: () => void;
  initialLayout?: Layout;
}

export function PdfDialog({ open, title, documentKey, load, onClose, initialLayout = "thermal" }: Props) {
  const { t, i18n } = useTranslation();
  const [layout, setLayout] = useState<Layout>(initialLayout);
  const [language, setLanguage] = useState<PrintLanguage>(isLanguage(i18n.language) ? i18n.language : "en");
  const frame = useRef<HTMLIFrameElement>(null);
  const pdf = useQuery({
    queryKey: ["pdf", ...documentKey, layout, language],
    queryFn: () => load(layout, language),
    enabled: open,
    staleTime: 60_000,
  });
  const url = useMemo(() => (pdf.data ? pdfUrl(pdf.data) : null), [pdf.data]);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);

  const print = () => {
    const view = frame.current?.contentWindow;
    if (view) view.print();
    else if (url) window.open(url, "_blank", "noopener");
  };

  return (
    <Dialog open={open} onClose={onClose} maxWidth="md" fullWidth aria-labelledby="pdf-title">
      <DialogTitle id="pdf-title">{title}</DialogTitle>
      <DialogContent dividers>
        <Stack direction="row" spacing={2} sx={{ mb: 2, alignItems: "center", flexWrap: "wrap" }}>
          <ToggleButtonGroup
            exclusive
            size="small"
            value={layout}
            onChange={(_event, value: Layout | null) => value && setLayout(value)}
            aria-label={t("common.print.layout")}
          >
            <ToggleButton value="thermal" data-testid="layout-thermal">
              {t("common.print.thermal")}
            </ToggleButton>
            <ToggleButton value="a4" data-testid="layout-a4">
              {t("common.print.a4")}
            </ToggleButton>
          </ToggleButtonGroup>
          <TextField
            select
            size="small"
            label={t("common.print.language")}
            value={language}
            onChange={(event) => isLanguage(event.target.value) && setLanguage(event.target.value)}
            sx={{ minWidth: 160 }}
          >
            {LANGUAGES.map((code) => (
              <MenuItem key={code} value={code}>
                {LANGUAGE_NAMES[code]}
              </MenuItem>
            ))}
          </TextField>
        </Stack>
        {pdf.isFetching && <LinearProgress aria-label={t("common.print.preparing")} />}
        {pdf.isError && <Alert severity="error">{messageOf(pdf.error, t)}</Alert>}
        <Box sx={{ height: "60vh", minHeight: 320, bgcolor: "grey.200", borderRadius: 1, overflow: "hidden" }}>
          {url && <iframe ref={frame} src={url} title={t("common.print.frame")} data-testid="pdf-frame" style={{ border: 0, width: "100%", height: "100%" }} />}
        </Box>
      </DialogContent>
      <DialogActions>
        <Button startIcon={<OpenInNewIcon />} disabled={!url} onClick={() => url && window.open(url, "_blank", "noopener")}>
          {t("common.print.open")}
        </Button>
        <Box sx={{ flexGrow: 1 }} />
        <Button onClick={onClose}>{t("common.close")}</Button>
        <Button variant="contained" startIcon={<PrintIcon />} disabled={!url} onClick={print} data-testid="pdf-print">
          {t("common.print.print")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
