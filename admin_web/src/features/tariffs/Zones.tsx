/** Zones (PC groups) with their tariff, and which zone each PC is in. */
import AddIcon from "@mui/icons-material/Add";
import { Alert, Box, Button, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { backoffice, type Tariff } from "../../api/backoffice";
import { api } from "../../api/client";
import type { PcGroup } from "../../api/types";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { required } from "../common/validate";
import { idFrom } from "./form";
import "./messages";

function ZoneRow({ group, tariffs, readOnly }: { group: PcGroup | null; tariffs: Tariff[]; readOnly: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(group?.name ?? "");
  const [id, setId] = useState(group?.id ?? "");
  const [tariff, setTariff] = useState(group?.tariff_id ?? tariffs[0]?.id ?? "");
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: (zone: PcGroup) => backoffice.saveGroup(zone),
    onSuccess: () => {
      setTried(false);
      if (group === null) {
        setName("");
        setId("");
      }
      void queryClient.invalidateQueries({ queryKey: ["groups"] });
    },
  });
  const checks = { name: required(name), id: idFrom(id) === "" ? "required" : null };
  const refusal = fieldError(save.error, { name: "name", tariff_id: "tariff" });
  const changed = group === null || name !== group.name || tariff !== group.tariff_id;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (checks.name === null && checks.id === null) save.mutate({ id: idFrom(id), name: name.trim(), tariff_id: tariff });
  };
  return (
    <TableRow component="tr">
      <TableCell sx={{ width: 160 }}>
        {group ? (
          <code>{group.id}</code>
        ) : (
          <TextField
            size="small"
            label={t("tariffs.zoneId")}
            name="zone_id"
            value={id}
            onChange={(event) => setId(event.target.value)}
            error={tried && checks.id !== null}
            helperText={tried && checks.id ? t(`common.errors.${checks.id}`) : undefined}
            disabled={readOnly}
            slotProps={{ htmlInput: { maxLength: 64 } }}
          />
        )}
      </TableCell>
      <TableCell>
        <TextField
          size="small"
          fullWidth
          label={t("tariffs.zoneName")}
          name={group ? `zone_${group.id}_name` : "zone_name"}
          value={name}
          onChange={(event) => {
            if (group === null && idFrom(name) === id) setId(idFrom(event.target.value));
            setName(event.target.value);
            save.reset();
          }}
          error={(tried && checks.name !== null) || refusal?.field === "name"}
          helperText={tried && checks.name ? t(`common.errors.${checks.name}`) : refusal?.field === "name" ? refusal.message : undefined}
          disabled={readOnly}
          slotProps={{ htmlInput: { maxLength: 64 } }}
        />
      </TableCell>
      <TableCell sx={{ width: 220 }}>
        <TextField
          select
          size="small"
          fullWidth
          label={t("tariffs.zoneTariff")}
          name={group ? `zone_${group.id}_tariff` : "zone_tariff"}
          value={tariffs.some((item) => item.id === tariff) ? tariff : ""}
          onChange={(event) => {
            setTariff(event.target.value);
            save.reset();
          }}
          disabled={readOnly}
        >
          {tariffs.map((item) => (
            <MenuItem key={item.id} value={item.id}>
              {item.name}
            </MenuItem>
          ))}
        </TextField>
      </TableCell>
      <TableCell sx={{ width: 150 }}>
        {!readOnly && (
          <Box component="form" onSubmit={submit} noValidate>
            <Button type="submit" size="small" variant={group ? "outlined" : "contained"} startIcon={group ? undefined : <AddIcon />} disabled={!changed || save.isPending}>
              {group ? t("common.save") : t("common.add")}
            </Button>
          </Box>
        )}
        {save.isError && refusal?.field == null && <FormError error={save.error} />}
        {save.isSuccess && group && (
          <Typography variant="caption" color="success.main">
            {t("common.saved")}
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}

function PcZones({ groups, readOnly }: { groups: PcGroup[]; readOnly: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const pcs = useQuery({ queryKey: ["pcs", "zones"], queryFn: api.pcs });
  const [moved, setMoved] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: ({ pc, group }: { pc: string; group: string }) => backoffice.setPcGroup(pc, group),
    onSuccess: (answer) => {
      setMoved(t("tariffs.movedPc", { pc: answer.pc_id, zone: groups.find((g) => g.id === answer.group)?.name ?? answer.group }));
      void queryClient.invalidateQueries({ queryKey: ["pcs"] });
    },
  });
  const items = [...(pcs.data?.items ?? [])].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  return (
    <Box>
      <Typography variant="subtitle1" sx={{ fontWeight: 600, mt: 3, mb: 1 }}>
        {t("tariffs.pcs")}
      </Typography>
      {pcs.isError && <FormError error={pcs.error} />}
      {move.isError && <FormError error={move.error} />}
      {moved && (
        <Alert severity="success" sx={{ mb: 1 }} onClose={() => setMoved(null)}>
          {moved}
        </Alert>
      )}
      {pcs.isSuccess && items.length === 0 && <Typography color="text.secondary">{t("tariffs.noPcs")}</Typography>}
      <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(230px, 1fr))", gap: 1.5 }}>
        {items.map((pc) => (
          <Stack key={pc.id} direction="row" spacing={1} sx={{ alignItems: "center", border: 1, borderColor: "divider", borderRadius: 1.5, px: 1.5, py: 1 }}>
            <Typography sx={{ fontWeight: 600, minWidth: 72 }} noWrap title={pc.hostname ?? pc.id}>
              {pc.id}
            </Typography>
            <TextField
              select
              size="small"
              fullWidth
              label={t("tariffs.zone")}
              name={`pc_${pc.id}_zone`}
              value={groups.some((g) => g.id === pc.group) ? pc.group : ""}
              onChange={(event) => move.mutate({ pc: pc.id, group: event.target.value })}
              disabled={readOnly || move.isPending}
            >
              {groups.map((group) => (
                <MenuItem key={group.id} value={group.id}>
                  {group.name}
                </MenuItem>
              ))}
            </TextField>
          </Stack>
        ))}
      </Box>
    </Box>
  );
}

export function Zones({ tariffs, readOnly }: { tariffs: Tariff[]; readOnly: boolean }) {
  const { t } = useTranslation();
  const groups = useQuery({ queryKey: ["groups"], queryFn: api.groups });
  const items = groups.data?.items ?? [];
  return (
    <Paper sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2">
        {t("tariffs.zones")}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t("tariffs.zonesHint")}
      </Typography>
      {groups.isError && <FormError error={groups.error} />}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>{t("tariffs.zoneId")}</TableCell>
            <TableCell>{t("tariffs.zoneName")}</TableCell>
            <TableCell>{t("tariffs.zoneTariff")}</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((group) => (
            <ZoneRow key={`${group.id}-${group.name}-${group.tariff_id}`} group={group} tariffs={tariffs} readOnly={readOnly} />
          ))}
          {!readOnly && <ZoneRow key={`new-${items.length}`} group={null} tariffs={tariffs} readOnly={readOnly} />}
        </TableBody>
      </Table>
      <PcZones groups={items} readOnly={readOnly} />
    </Paper>
  );
}
