/**
 * Staff accounts: the list (users:read), and for owners (users:manage) creating one with a role,
 * changing the role, disabling and enabling, resetting the password or 2FA — each with the reason and
 * fresh proof the hub asks for. A one-time password is shown once, to hand over in person.
 */
import AddIcon from "@mui/icons-material/Add";
import MoreVertIcon from "@mui/icons-material/MoreVert";
import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  IconButton,
  Menu,
  MenuItem,
  Paper,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { DataGrid, type GridColDef } from "@mui/x-data-grid";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { backoffice, type StaffUser, type UserAnswer, type UserChange } from "../../api/backoffice";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { fieldError } from "../common/apiField";
import { ConfirmFields, confirmationOf, confirmChecks, EMPTY_CONFIRM, useUsesTotp, type ConfirmValue } from "../common/ConfirmFields";
import { FormError } from "../common/FormError";
import { GRID_NONCE, useGridLocale } from "../common/grid";
import { allValid, staffPassword, username as checkUsername } from "../common/validate";
import "./messages";

const ROLES = ["owner", "manager", "cashier", "technician"] as const;
type Action = UserChange | "role";

const CONFIRM_FIELDS = { "confirmation.reason": "reason", "confirmation.totp": "proof", "confirmation.password": "proof", confirmation: "proof" };
const CONFIRM_CODES = { confirmation_failed: "proof", confirmation_required: "proof" };

function OneTimePassword({ user, password }: { user: string; password: string }) {
  const { t } = useTranslation();
  return (
    <Alert severity="warning" data-testid="one-time-password">
      <Typography sx={{ fontWeight: 600 }}>{t("users.oneTime", { user })}</Typography>
      <Typography sx={{ fontFamily: "monospace", fontSize: 20, my: 1, userSelect: "all", overflowWrap: "anywhere" }}>{password}</Typography>
      <Typography variant="body2">{t("users.oneTimeHint")}</Typography>
    </Alert>
  );
}

function RoleSelect({ value, onChange, error }: { value: string; onChange: (role: string) => void; error?: string | null }) {
  const { t } = useTranslation();
  return (
    <TextField select label={t("users.role")} name="role" value={value} onChange={(event) => onChange(event.target.value)} error={Boolean(error)} helperText={error ?? undefined} required>
      {ROLES.map((role) => (
        <MenuItem key={role} value={role}>
          {t(`roles.${role}`)}
        </MenuItem>
      ))}
    </TextField>
  );
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const usesTotp = useUsesTotp();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("cashier");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState<ConfirmValue>(EMPTY_CONFIRM);
  const [tried, setTried] = useState(false);
  const create = useMutation({
    mutationFn: () => backoffice.createUser(name.trim(), role, password || null, confirmationOf(confirm, usesTotp)),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const checks = { username: checkUsername(name), password: password === "" ? null : staffPassword(password), ...confirmChecks(confirm, usesTotp) };
  const refusal = fieldError(create.error, { username: "username", password: "password", role: "role", ...CONFIRM_FIELDS }, { username_taken: "username", weak_password: "password", ...CONFIRM_CODES });
  const errorOf = (field: keyof typeof checks) => (tried ? checks[field] : null) ?? (refusal?.field === field ? refusal.message : null);
  const text = (error: string | null) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (allValid(checks) && !create.isPending) create.mutate();
  };
  const answer: UserAnswer | undefined = create.data;
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("users.add")}</DialogTitle>
        <DialogContent>
          {answer ? (
            <Stack spacing={2} sx={{ pt: 1 }}>
              <Alert severity="success">{t("users.created", { user: answer.user.username })}</Alert>
              {answer.password && <OneTimePassword user={answer.user.username} password={answer.password} />}
            </Stack>
          ) : (
            <Stack spacing={2} sx={{ pt: 1 }}>
              <TextField
                label={t("users.username")}
                name="username"
                value={name}
                onChange={(event) => setName(event.target.value)}
                error={Boolean(errorOf("username"))}
                helperText={text(errorOf("username"))}
                required
                autoFocus
                autoComplete="off"
                slotProps={{ htmlInput: { maxLength: 32 } }}
              />
              <RoleSelect value={role} onChange={setRole} error={refusal?.field === "role" ? refusal.message : null} />
              <TextField
                label={t("users.password")}
                name="new_password"
                type="password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                error={Boolean(errorOf("password"))}
                helperText={text(errorOf("password")) ?? t("users.passwordHint")}
                autoComplete="new-password"
              />
              <ConfirmFields value={confirm} onChange={setConfirm} errors={{ reason: errorOf("reason"), proof: errorOf("proof") }} />
              {create.isError && refusal?.field == null && <FormError error={create.error} />}
            </Stack>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{answer ? t("common.close") : t("common.cancel")}</Button>
          {!answer && (
            <Button type="submit" variant="contained" disabled={create.isPending} data-testid="create-user">
              {t("users.create")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

function ChangeDialog({ user, action, onClose }: { user: StaffUser; action: Action; onClose: () => void }) {
  const { t } = useTranslation();
  const usesTotp = useUsesTotp();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<string>(user.role);
  const [confirm, setConfirm] = useState<ConfirmValue>(EMPTY_CONFIRM);
  const [tried, setTried] = useState(false);
  const change = useMutation({
    mutationFn: () =>
      action === "role" ? backoffice.changeRole(user.id, role, confirmationOf(confirm, usesTotp)) : backoffice.changeUser(user.id, action, confirmationOf(confirm, usesTotp)),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const checks = confirmChecks(confirm, usesTotp);
  const refusal = fieldError(change.error, { role: "role", ...CONFIRM_FIELDS }, CONFIRM_CODES);
  const errorOf = (field: "reason" | "proof") => (tried ? checks[field] : null) ?? (refusal?.field === field ? refusal.message : null);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (allValid(checks) && !change.isPending) change.mutate();
  };
  const done = change.data;
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t(`users.confirmTitle.${action}`, { user: user.username })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {done ? (
              <>
                <Alert severity="success" data-testid="user-changed">
                  {t(`users.done.${action}`, { user: user.username, role: t(`roles.${done.user.role}`, { defaultValue: done.user.role }) })}
                </Alert>
                {done.password && <OneTimePassword user={user.username} password={done.password} />}
              </>
            ) : (
              <>
                <Typography color="text.secondary">{t(`users.explain.${action}`)}</Typography>
                {action === "role" && <RoleSelect value={role} onChange={setRole} error={refusal?.field === "role" ? refusal.message : null} />}
                <ConfirmFields value={confirm} onChange={setConfirm} errors={{ reason: errorOf("reason"), proof: errorOf("proof") }} />
                {change.isError && refusal?.field == null && <FormError error={change.error} />}
              </>
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{done ? t("common.close") : t("common.cancel")}</Button>
          {!done && (
            <Button type="submit" variant="contained" color={action === "disable" ? "error" : "primary"} disabled={change.isPending} data-testid="apply-user-change">
              {t("users.apply")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

export default function UsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can, me } = useSession();
  const manages = can("users:manage");
  const localeText = useGridLocale();
  const [creating, setCreating] = useState(false);
  const [menu, setMenu] = useState<{ anchor: HTMLElement; user: StaffUser } | null>(null);
  const [acting, setActing] = useState<{ user: StaffUser; action: Action } | null>(null);
  const users = useQuery({ queryKey: ["users"], queryFn: backoffice.users });

  const columns = useMemo<GridColDef<StaffUser>[]>(() => {
    const base: GridColDef<StaffUser>[] = [
      {
        field: "username",
        headerName: t("users.columns.username"),
        flex: 1,
        minWidth: 160,
        renderCell: (cell) => (
          <span>
            <b>{cell.row.username}</b>
            {cell.row.id === me?.id && <Typography component="span" color="text.secondary">{` (${t("users.you")})`}</Typography>}
          </span>
        ),
      },
      { field: "role", headerName: t("users.columns.role"), width: 140, valueFormatter: (value: string) => t(`roles.${value}`, { defaultValue: value }) },
      {
        field: "totp_enabled",
        headerName: t("users.columns.twoFactor"),
        width: 110,
        renderCell: (cell) => <Chip size="small" variant="outlined" color={cell.row.totp_enabled ? "success" : "default"} label={cell.row.totp_enabled ? t("users.on") : t("users.off")} />,
      },
      {
        field: "disabled",
        headerName: t("users.columns.state"),
        flex: 1,
        minWidth: 200,
        renderCell: (cell) => (
          <Stack direction="row" spacing={1} sx={{ height: "100%", alignItems: "center" }}>
            {cell.row.disabled ? <Chip size="small" color="error" label={t("users.disabled")} /> : <Chip size="small" color="success" variant="outlined" label={t("users.active")} />}
            {cell.row.must_change_password && <Chip size="small" color="warning" variant="outlined" label={t("users.mustChange")} />}
          </Stack>
        ),
      },
      { field: "created_at", headerName: t("users.columns.created"), width: 195, valueFormatter: (value: number | undefined) => (value ? format.dateTime(value) : "") },
    ];
    if (!manages) return base;
    return [
      ...base,
      {
        field: "actions",
        headerName: "",
        width: 60,
        sortable: false,
        renderCell: (cell) => (
          <IconButton size="small" aria-label={t("users.actions")} onClick={(event) => setMenu({ anchor: event.currentTarget, user: cell.row })} data-testid={`user-actions-${cell.row.username}`}>
            <MoreVertIcon fontSize="small" />
          </IconButton>
        ),
      },
    ];
  }, [t, format, manages, me?.id]);

  const act = (action: Action) => {
    if (menu) setActing({ user: menu.user, action });
    setMenu(null);
  };

  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between" }}>
        <Typography variant="h5" component="h1">
          {t("users.title")}
        </Typography>
        {manages && (
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => setCreating(true)} data-testid="add-user">
            {t("users.add")}
          </Button>
        )}
      </Stack>
      {!manages && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("users.managerOnly")}
        </Alert>
      )}
      {users.isError && <FormError error={users.error} />}
      <Paper sx={{ height: "calc(100vh - 220px)", minHeight: 320 }}>
        <DataGrid
          rows={users.data?.items ?? []}
          columns={columns}
          loading={users.isFetching}
          density="compact"
          disableRowSelectionOnClick
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0 }}
        />
      </Paper>
      <Menu anchorEl={menu?.anchor} open={menu !== null} onClose={() => setMenu(null)}>
        <MenuItem onClick={() => act("role")}>{t("users.changeRole")}</MenuItem>
        {menu?.user.disabled ? <MenuItem onClick={() => act("enable")}>{t("users.enable")}</MenuItem> : <MenuItem onClick={() => act("disable")}>{t("users.disable")}</MenuItem>}
        <MenuItem onClick={() => act("reset-password")}>{t("users.resetPassword")}</MenuItem>
        {menu?.user.totp_enabled && <MenuItem onClick={() => act("reset-2fa")}>{t("users.reset2fa")}</MenuItem>}
      </Menu>
      {creating && <CreateDialog onClose={() => setCreating(false)} />}
      {acting && <ChangeDialog user={acting.user} action={acting.action} onClose={() => setActing(null)} />}
    </Box>
  );
}
