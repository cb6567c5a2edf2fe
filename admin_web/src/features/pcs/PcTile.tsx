import { Badge, Box, Typography } from "@mui/material";
import { memo } from "react";
import { useTranslation } from "react-i18next";

import type { Formatters } from "../../app/branch";
import { STATUS_COLOURS } from "../../app/theme";
import type { Tile } from "../../live/tiles";

function who(tile: Tile): "member" | "guest" | "postpaid" | null {
  const kind = tile.session?.kind;
  if (kind === "member") return "member";
  if (kind === "prepaid") return "guest";
  if (kind === "postpaid") return "postpaid";
  return null;
}

export const PcTile = memo(function PcTile({ tile, format }: { tile: Tile; format: Formatters }) {
  const { t } = useTranslation();
  const colours = STATUS_COLOURS[tile.status];
  const person = who(tile);
  const session = tile.session;
  return (
    <Badge badgeContent={tile.alerts} color="secondary" invisible={tile.alerts === 0} overlap="rectangular" title={t("map.alerts", { count: tile.alerts })}>
      <Box
        component="article"
        data-testid={`pc-tile-${tile.pc.id}`}
        data-status={tile.status}
        aria-label={`${tile.pc.id}: ${t(`map.status.${tile.status}`)}`}
        sx={{
          width: 168,
          minHeight: 112,
          p: 1.25,
          borderRadius: 2,
          bgcolor: colours.bg,
          color: colours.fg,
          border: 2,
          borderColor: colours.border,
          display: "flex",
          flexDirection: "column",
          gap: 0.25,
        }}
      >
        <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 700, lineHeight: 1.2 }}>
          {tile.pc.id}
        </Typography>
        <Typography variant="caption" sx={{ fontWeight: 600, textTransform: "uppercase", letterSpacing: 0.3 }}>
          {t(`map.status.${tile.status}`)}
        </Typography>
        {person !== null && <Typography variant="body2">{t(`map.${person}`)}</Typography>}
        {session && (
          <Typography variant="body2" sx={{ fontWeight: 600 }} data-testid="time-left">
            {tile.leftMs !== null ? t("map.left", { time: format.duration(tile.leftMs) }) : t("map.onBalance")}
          </Typography>
        )}
        {session && session.cost !== null && (
          <Typography variant="body2" data-testid="cost">
            {t("map.cost", { money: format.money(session.cost) })}
          </Typography>
        )}
      </Box>
    </Badge>
  );
});
