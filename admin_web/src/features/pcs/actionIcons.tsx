/** One icon per front-desk action, shared by the menu, the selection bar and the shortcuts' help. */
import BuildIcon from "@mui/icons-material/Build";
import ChatBubbleOutlineIcon from "@mui/icons-material/ChatBubbleOutlineOutlined";
import LockIcon from "@mui/icons-material/Lock";
import LockOpenIcon from "@mui/icons-material/LockOpen";
import MoreTimeIcon from "@mui/icons-material/MoreTime";
import PaymentsIcon from "@mui/icons-material/Payments";
import PlayArrowIcon from "@mui/icons-material/PlayArrow";
import PowerSettingsNewIcon from "@mui/icons-material/PowerSettingsNew";
import ReceiptLongIcon from "@mui/icons-material/ReceiptLong";
import RestartAltIcon from "@mui/icons-material/RestartAlt";
import StopCircleIcon from "@mui/icons-material/StopCircle";
import type { ReactElement } from "react";

import type { ActionKind } from "./actions";

export const ACTION_ICONS: Record<ActionKind, ReactElement> = {
  start: <PlayArrowIcon fontSize="small" />,
  extend: <MoreTimeIcon fontSize="small" />,
  stop: <StopCircleIcon fontSize="small" />,
  pay: <PaymentsIcon fontSize="small" />,
  price: <ReceiptLongIcon fontSize="small" />,
  message: <ChatBubbleOutlineIcon fontSize="small" />,
  lock: <LockIcon fontSize="small" />,
  unlock: <LockOpenIcon fontSize="small" />,
  maintenance: <BuildIcon fontSize="small" />,
  restart: <RestartAltIcon fontSize="small" />,
  shutdown: <PowerSettingsNewIcon fontSize="small" />,
};

