"""The real lock screen (``agent_ui``) with a robot's hands, for the integration tests.

The agent's guard starts this instead of ``icafe agent-ui`` (``ICAFE_AGENT_UI_COMMAND``): it reads the
secret from stdin like the real one and runs the same windows over the same link, offscreen. The test
drops actions as JSON files in ``ROBOT_DIR`` (typing into the fields and clicking the buttons, or input
activity), and reads back what the screen shows in ``ROBOT_DIR/view-<pid>.json``.

    python ui_robot.py ROBOT_DIR --link ADDRESS
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from agent_ui.activity import NoActivity
from agent_ui.app import LockScreen, make_app
from agent_ui.link import AgentLink
from agent_ui.theme import Scale


def centre(widget: QWidget) -> tuple[int, int]:
    """Where on the screen the middle of ``widget`` is (for a robot's click on a real X server)."""
    at = widget.mapToGlobal(widget.rect().center())
    return at.x(), at.y()


def main() -> int:
    robot_dir, address = Path(sys.argv[1]), sys.argv[sys.argv.index("--link") + 1]
    secret = sys.stdin.readline().strip()
    app = make_app(sys.argv[:1])
    link = AgentLink(address, secret)
    screen = LockScreen(link, Scale(1.0))
    NoActivity().start(screen.activity)
    connected = {"up": False}
    link.connected.connect(lambda up: connected.update(up=up))
    view_path = robot_dir / f"view-{os.getpid()}.json"

    def act(action: dict[str, str]) -> None:
        lock, timer = screen.windows.lock, screen.windows.timer
        match action["do"]:
            case "member":
                lock.member_tab.click()
                lock.login.setText(action["login"])
                lock.secret.setText(action["secret"])
                lock.log_in.click()
            case "code":
                lock.code_tab.click()
                lock.code.setText(action["code"])
                lock.start.click()
            case "end":
                timer.end_button.click()
                timer.end_button.click()  # it asks once
            case "activity":
                screen._last_activity = 0.0
                screen.activity()

    def tick() -> None:
        for path in sorted(robot_dir.glob("do-*.json")):
            action = json.loads(path.read_text())
            path.unlink()
            act(action)
        state = screen.state
        view = {
            "pid": os.getpid(),
            "connected": connected["up"],
            "mode": state.mode if state else None,
            "offline": state.offline if state else None,
            "over": state.session_over.reason if state and state.session_over else None,
            "over_text": screen.windows.lock.over.text(),
            "lock_visible": screen.windows.lock.isVisible(),
            "timer_visible": screen.windows.timer.isVisible(),
            "message": screen.windows.lock.message.text(),
            "login_text": screen.windows.lock.login.text(),
            "tab": screen.windows.lock.forms.currentIndex(),  # 0: member, 1: voucher code
            "code_tab_at": list(centre(screen.windows.lock.code_tab)),
            "time_left": screen.windows.timer.big.text(),
            "idle_in_ms": state.idle_logout_in_ms if state else None,
        }
        temporary = view_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(view))
        temporary.replace(view_path)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    QTimer.singleShot(0, link.open)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
