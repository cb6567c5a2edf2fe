/**
 * Tariffs and zones: pick a tariff to edit its rates and windows (or make a new one), see the hub's price
 * of a session under it at any start and length, and put PCs into zones. Changes need settings:manage.
 */
import AddIcon from "@mui/icons-material/Add";
import { Alert, Box, Button, LinearProgress, List, ListItemButton, ListItemText, Paper, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { backoffice, type Tariff } from "../../api/backoffice";
import { useSession } from "../../app/auth/session";
import { useBranch, useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { formOf, newForm, type TariffForm } from "./form";
import { QuotePreview } from "./QuotePreview";
import { TariffEditor } from "./TariffEditor";
import { Zones } from "./Zones";
import "./messages";

export default function TariffsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const readOnly = !can("settings:manage");
  const timezone = useBranch()?.timezone ?? "Asia/Tashkent";
  const tariffs = useQuery({ queryKey: ["tariffs"], queryFn: backoffice.tariffs });
  const items = tariffs.data?.items ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ key: string; form: TariffForm; saved: TariffForm | null } | null>(null);

  const current: Tariff | undefined = items.find((tariff) => tariff.id === (chosen ?? items[0]?.id));
  const isNew = editing?.key === "new";
  const shown = editing && (isNew || editing.key === current?.id) ? editing : current ? { key: current.id, form: formOf(current), saved: formOf(current) } : null;
  const dirty = shown !== null && JSON.stringify(shown.form) !== JSON.stringify(shown.saved);

  const pick = (tariff: Tariff) => {
    setChosen(tariff.id);
    setEditing(null);
  };
  const saved = (tariff: Tariff) => {
    setChosen(tariff.id);
    setEditing({ key: tariff.id, form: formOf(tariff), saved: formOf(tariff) });
  };

  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("tariffs.title")}
      </Typography>
      {readOnly && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("tariffs.readOnly")}
        </Alert>
      )}
      {tariffs.isPending && <LinearProgress />}
      {tariffs.isError && <FormError error={tariffs.error} />}
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "240px minmax(0, 1fr)" }, gap: 2, alignItems: "start", mb: 2 }}>
        <Paper sx={{ p: 1 }}>
          <Typography variant="overline" sx={{ px: 1 }}>
            {t("tariffs.tariffs")}
          </Typography>
          <List dense>
            {items.map((tariff) => (
              <ListItemButton key={tariff.id} selected={!isNew && tariff.id === current?.id} onClick={() => pick(tariff)} data-testid={`tariff-${tariff.id}`}>
                <ListItemText primary={tariff.name} secondary={format.money(tariff.hourly_rate)} />
              </ListItemButton>
            ))}
          </List>
          {!readOnly && (
            <Button startIcon={<AddIcon />} fullWidth onClick={() => setEditing({ key: "new", form: newForm(timezone), saved: null })} data-testid="new-tariff">
              {t("tariffs.newTariff")}
            </Button>
          )}
        </Paper>
        <Stack spacing={2}>
          {shown && (
            <TariffEditor
              key={shown.key}
              form={shown.form}
              isNew={isNew}
              readOnly={readOnly}
              onChange={(form) => setEditing({ key: shown.key, form, saved: shown.saved })}
              onSaved={saved}
            />
          )}
          {shown && !isNew && <QuotePreview key={shown.key} tariffId={shown.key} dirty={dirty} />}
        </Stack>
      </Box>
      <Zones tariffs={items} readOnly={readOnly} />
    </Box>
  );
}
