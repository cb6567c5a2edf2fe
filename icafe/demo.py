"""``icafe demo``: the whole system on one machine, supervised until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import Service, ServiceSpec, SupervisorError


def _config_from_env(hubs: int = 1) -> StackConfig:
    env = os.environ
    return StackConfig(
        hubs=hubs,
        data_dir=Path(env.get("ICAFE_DATA_DIR", ".data/demo")),
        http_port=int(env.get("ICAFE_HTTP_PORT", "8000")),
        pcs=int(env.get("ICAFE_DEMO_PCS", "10")),
        admin_password=env.get("ICAFE_ADMIN_PASSWORD") or None,
        telemetry_s=float(env.get("ICAFE_TELEMETRY_S", "5")),
        # A trial needs members with money on their balance to start sessions right away.
        # 20 000 so'm of offline credit lets known members play while the hub is unreachable.
        hub_env={"ICAFE_DEMO_SEED": "1", "ICAFE_SESSION_OFFLINE_CREDIT": "2000000"},
    )


def run_demo(hubs: int = 1) -> int:
    """The demo with ``hubs`` hub replicas behind the broker's shared subscription, on consecutive ports."""
    config = _config_from_env(hubs)
    stack = LocalStack(config)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"icafe demo: data in {stack.data_dir}", flush=True)
        stack.start_infrastructure()
        print(f"  mosquitto (mutual TLS) on 127.0.0.1:{stack.ports.broker}", flush=True)
        print(f"  redis on 127.0.0.1:{stack.ports.redis}", flush=True)
        print(f"  store on {stack.mongo_url}", flush=True)
        # The certificate signer: PCs enroll with a code from the console (README, "Certificates").
        stack.start_signer()
        stack.start_hubs()
        stack.start_simulator()
        screen_line = ""
        if os.environ.get("ICAFE_DEMO_UI") == "1":
            # One more PC with the real lock screen on this display (needs icafe[agent-ui]).
            config_path = stack.enroll("pc-screen")
            stack.supervisor.start(
                ServiceSpec(
                    name="agent-pc-screen",
                    argv=[
                        sys.executable,
                        "-m",
                        "icafe",
                        "agent",
                        "--config",
                        str(config_path),
                        "--simulated",
                        "--ui",
                    ],
                    env={},
                    log_path=stack.log("agent-pc-screen"),
                    ready=lambda: True,
                )
            )
            screen_line = (
                "  screen:   pc-screen shows the real lock screen on this display (ICAFE_DEMO_UI=1)\n"
            )
        desk_pace_s = float(os.environ.get("ICAFE_DEMO_DESK_PACE_S", "8"))
        desk = os.environ.get("ICAFE_DEMO_DESK", "1") != "0"
        if desk:
            stack.start_front_desk(desk_pace_s)
        desk_line = (
            f"  desk:     a simulated cashier serves a customer every ~{desk_pace_s:g} s "
            "(ICAFE_DEMO_DESK=0 turns it off)\n"
            if desk
            else ""
        )
        print(
            f"\nicafe is running.\n"
            f"  console:  {stack.api_url}/   (sign in as the owner below)\n"
            f"  owner:    admin / {stack.secrets['admin_password']}\n"
            f"  API:      {stack.api_url}/api/v1   (OpenAPI: {stack.api_url}/docs)\n"
            f"{hubs_lines(stack)}"
            f"  PCs:      {config.pcs} simulated agents, each with its own certificate\n"
            f"{desk_line}"
            f"{screen_line}"
            f"  logs:     {stack.data_dir / 'logs'}\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )

        def restarted(service: Service) -> None:
            print(f"icafe demo: {service.spec.name} exited; restarted it", file=sys.stderr, flush=True)

        stack.supervisor.watch(on_restart=restarted)
    except SupervisorError as exc:
        print(f"icafe demo: {exc}", file=sys.stderr)
        _stop_undisturbed(stack)
        return 1
    except KeyboardInterrupt:
        _ignore_signals()  # from the moment it says it stops, a second signal must not cut that short
        print("\nicafe demo: stopping...", flush=True)
    _stop_undisturbed(stack)
    print("icafe demo: stopped.", flush=True)
    return 0


def hubs_lines(stack: LocalStack) -> str:
    """With replicas, each one's console (any of them serves the whole system), the first's first."""
    if stack.config.hubs == 1:
        return ""
    lines = [f"  hubs:     {stack.config.hubs} replicas behind the broker's shared subscription\n"]
    lines += [
        f"            {name}: {url}/\n" for name, url in zip(stack.hub_names, stack.api_urls, strict=True)
    ]
    return "".join(lines)


def _stop_undisturbed(stack: LocalStack) -> None:
    _ignore_signals()
    stack.stop()


def _ignore_signals() -> None:
    # A second Ctrl-C or SIGTERM (impatience, or `timeout` forwarding its own) must not cut the clean-up
    # short and leave the hub or the broker running without their supervisor.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
