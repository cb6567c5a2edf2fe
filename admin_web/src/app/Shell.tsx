/** The console's frame: app bar (branch, live feed state, language, user menu), navigation allowed by the API, and the page. */
import AccountCircleIcon from "@mui/icons-material/AccountCircle";
import {
  AppBar,
  Box,
  Chip,
  Divider,
  Drawer,
  IconButton,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Menu,
  MenuItem,
  Toolbar,
  Tooltip,
  Typography,
} from "@mui/material";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";

import { ExportToasts } from "../features/exports/ExportToasts";
import { LiveFeed } from "../live/socket";
import { useAppDispatch, useAppSelector } from "../live/store";
import { IdleGuard } from "./auth/IdleGuard";
import { useSession } from "./auth/session";
import { useBranch } from "./branch";
import { applyUserLanguage } from "./i18n";
import { LanguageSwitch } from "./LanguageSwitch";
import { SCREENS } from "./nav";

const DRAWER = 220;

function FeedChip() {
  const { t } = useTranslation();
  const feed = useAppSelector((state) => state.live.feed.state);
  const colour = feed === "live" ? "success" : feed === "down" ? "error" : "default";
  return <Chip size="small" color={colour} label={t(`feed.${feed === "down" ? "connecting" : feed}`)} data-testid="feed-state" data-state={feed} sx={{ color: feed === "live" || feed === "down" ? undefined : "inherit" }} />;
}

export function Shell() {
  const { t } = useTranslation();
  const { me, can, logout, tokens } = useSession();
  const branch = useBranch();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [menu, setMenu] = useState<HTMLElement | null>(null);
  const username = tokens?.username ?? null;
  const live = me !== undefined && can("live:read");

  useEffect(() => {
    if (username) applyUserLanguage(username, branch?.language ?? null);
  }, [username, branch?.language]);

  useEffect(() => {
    if (!live) return;
    const feed = new LiveFeed(dispatch);
    feed.start();
    return () => feed.stop();
  }, [live, dispatch]);

  const screens = SCREENS.filter((screen) => can(screen.permission));
  return (
    <Box sx={{ display: "flex", minHeight: "100vh" }}>
      <AppBar position="fixed" sx={{ zIndex: (theme) => theme.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700 }}>
            icafe
          </Typography>
          <Typography variant="subtitle1" component="div" data-testid="branch-name" sx={{ flexGrow: 1, opacity: 0.9 }} noWrap>
            {branch?.name ?? ""}
          </Typography>
          {live && <FeedChip />}
          <LanguageSwitch username={username} dark />
          <Tooltip title={me ? t("menu.signedInAs", { user: me.username, role: t(`roles.${me.role}`, { defaultValue: me.role }) }) : ""}>
            <IconButton color="inherit" onClick={(event) => setMenu(event.currentTarget)} aria-label={t("menu.account")} data-testid="user-menu">
              <AccountCircleIcon />
            </IconButton>
          </Tooltip>
          <Menu anchorEl={menu} open={menu !== null} onClose={() => setMenu(null)}>
            <MenuItem disabled>{me ? t("menu.signedInAs", { user: me.username, role: t(`roles.${me.role}`, { defaultValue: me.role }) }) : ""}</MenuItem>
            <Divider />
            <MenuItem
              onClick={() => {
                setMenu(null);
                void navigate("/account");
              }}
            >
              {t("menu.account")}
            </MenuItem>
            <MenuItem
              onClick={() => {
                setMenu(null);
                void logout();
              }}
              data-testid="logout"
            >
              {t("menu.logout")}
            </MenuItem>
          </Menu>
        </Toolbar>
      </AppBar>
      <Drawer variant="permanent" sx={{ width: DRAWER, flexShrink: 0, "& .MuiDrawer-paper": { width: DRAWER, boxSizing: "border-box" } }}>
        <Toolbar />
        <List component="nav">
          {screens.map((screen) => (
            <ListItemButton key={screen.path} component={NavLink} to={screen.path} sx={{ "&.active": { bgcolor: "action.selected" } }}>
              <ListItemIcon>{screen.icon}</ListItemIcon>
              <ListItemText primary={t(screen.labelKey)} />
            </ListItemButton>
          ))}
        </List>
      </Drawer>
      <Box component="main" sx={{ flexGrow: 1, p: 3, minWidth: 0 }}>
        <Toolbar />
        <Outlet />
      </Box>
      <ExportToasts />
      {tokens?.idleS !== undefined && <IdleGuard idleMs={tokens.idleS * 1000} />}
    </Box>
  );
}
