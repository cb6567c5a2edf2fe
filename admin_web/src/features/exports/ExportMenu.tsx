/** An "Export" button with a menu of formats: each starts a background job on the hub, followed by a toast. */
import ArrowDropDownIcon from "@mui/icons-material/ArrowDropDown";
import FileDownloadIcon from "@mui/icons-material/FileDownload";
import { Alert, Button, Menu, MenuItem, Snackbar } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { ExportFilters, ExportFormat, ExportKind } from "../../api/exports";
import { messageOf } from "../../app/errors";
import { exportTracker } from "./tracker";
import "./messages";

const ALL: readonly ExportFormat[] = ["csv", "xlsx", "pdf"];

export function ExportMenu({ kind, filters, formats = ALL, disabled = false }: { kind: ExportKind; filters: ExportFilters; formats?: readonly ExportFormat[]; disabled?: boolean }) {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const choose = (format: ExportFormat) => {
    setAnchor(null);
    exportTracker.start(kind, format, filters).catch((error: unknown) => setFailure(messageOf(error, t)));
  };

  return (
    <>
      <Button
        variant="outlined"
        startIcon={<FileDownloadIcon />}
        endIcon={<ArrowDropDownIcon />}
        onClick={(event) => setAnchor(event.currentTarget)}
        disabled={disabled}
        aria-haspopup="menu"
        data-testid="export-menu"
      >
        {t("exports.button")}
      </Button>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)} aria-label={t("exports.menu")}>
        {formats.map((format) => (
          <MenuItem key={format} onClick={() => choose(format)} data-testid={`export-${format}`}>
            {t(`exports.formats.${format}`)}
          </MenuItem>
        ))}
      </Menu>
      <Snackbar open={failure !== null} autoHideDuration={8000} onClose={() => setFailure(null)} anchorOrigin={{ vertical: "bottom", horizontal: "right" }}>
        <Alert severity="error" onClose={() => setFailure(null)} data-testid="export-start-failed">
          {t("exports.failedToStart", { message: failure ?? "" })}
        </Alert>
      </Snackbar>
    </>
  );
}
