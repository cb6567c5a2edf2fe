"""The broker's access list from the CA's records (provisioning.broker_acl) and the CA's site records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol import topic
from protocol.topics import AGENT_PUBLISHES, HUB_PUBLISHES
from provisioning import HUB_IDENTITY, CAError, CertificateAuthority
from provisioning.broker_acl import (
    BROKER_LOG_ROLE,
    HUB_ROLE,
    batches,
    dynsec_config,
    ensure_services,
    grant_commands,
    pc_acls,
    pc_role_name,
    revoke_commands,
    write_broker_acl,
)
from provisioning.ca import BROKER_ADMIN_IDENTITY, BROKER_LOG_IDENTITY


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.init(tmp_path / "certs")


def roles_of(config: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    return {role["rolename"]: role["acls"] for role in config["roles"]}  # type: ignore[attr-defined, index]


def test_a_pc_may_use_exactly_its_own_topics_under_its_site() -> None:
    acls = pc_acls("annex", "pc-7")
    sends = {a["topic"] for a in acls if a["acltype"] == "publishClientSend"}
    subscribes = {a["topic"] for a in acls if a["acltype"] == "subscribeLiteral"}
    receives = {a["topic"] for a in acls if a["acltype"] == "publishClientReceive"}
    assert sends == {topic("annex", "pc-7", kind) for kind in AGENT_PUBLISHES}
    assert subscribes == receives == {topic("annex", "pc-7", kind) for kind in HUB_PUBLISHES}
    assert {a["acltype"] for a in acls} == {"publishClientSend", "subscribeLiteral", "publishClientReceive"}
    # Literal topics only: no wildcard, no shared subscription, nothing outside its own subtree.
    assert all(a["allow"] is True for a in acls)
    assert all("+" not in str(a["topic"]) and "#" not in str(a["topic"]) for a in acls)
    assert all(str(a["topic"]).startswith("icafe/v1/annex/pc/pc-7/") for a in acls)


def test_the_config_admits_only_valid_pcs_with_a_site(ca: CertificateAuthority) -> None:
    ca.issue("pc-1", site="main")
    ca.issue("pc-2", site="annex")
    ca.issue("pc-no-site")  # issued but never enrolled
    ca.issue("pc-revoked", site="main")
    ca.revoke("pc-revoked")
    ca.issue(HUB_IDENTITY, kind="hub")
    config = dynsec_config(ca)
    clients = {c["username"]: [r["rolename"] for r in c["roles"]] for c in config["clients"]}
    assert clients == {
        HUB_IDENTITY: [HUB_ROLE],
        BROKER_LOG_IDENTITY: [BROKER_LOG_ROLE],
        BROKER_ADMIN_IDENTITY: ["icafe-broker-admin"],
        "pc-1": [pc_role_name("pc-1")],
        "pc-2": [pc_role_name("pc-2")],
    }
    roles = roles_of(config)
    assert roles[pc_role_name("pc-1")] == pc_acls("main", "pc-1")
    assert roles[pc_role_name("pc-2")] == pc_acls("annex", "pc-2")
    # Deny whatever is not granted.
    assert config["defaultACLAccess"] == {
        "publishClientSend": False,
        "publishClientReceive": False,
        "subscribe": False,
        "unsubscribe": True,
    }


def test_only_the_hub_may_join_the_shared_subscription(ca: CertificateAuthority) -> None:
    roles = roles_of(dynsec_config(ca))
    shared = {name for name, acls in roles.items() for acl in acls if str(acl["topic"]).startswith("$share/")}
    assert shared == {HUB_ROLE}
    assert roles[BROKER_LOG_ROLE] == [
        {"acltype": "publishClientSend", "topic": "icafe/v1/broker/denials", "allow": True}
    ]


def test_the_file_is_written_atomically_with_its_mode(ca: CertificateAuthority, tmp_path: Path) -> None:
    ensure_services(ca)
    ca.issue("pc-1", site="main")
    path = write_broker_acl(ca)
    assert path == ca.root / "broker" / "dynamic-security.json"
    assert json.loads(path.read_text()) == dynsec_config(ca)
    assert path.stat().st_mode & 0o777 == 0o644
    private = write_broker_acl(ca, tmp_path / "acl.json", 0o600)
    assert private.stat().st_mode & 0o777 == 0o600
    # Rewritten (the signer does after each enrollment) without a mode, it stays as private as it was.
    ca.issue("pc-2", site="main")
    assert write_broker_acl(ca, private).stat().st_mode & 0o777 == 0o600
    assert "pc-2" in private.read_text()
    assert ca.get(BROKER_LOG_IDENTITY).kind == "service"


def test_live_changes_replace_a_pc_whole_and_fit_the_broker_packets() -> None:
    grant = grant_commands("main", "pc-1")
    assert [c["command"] for c in grant] == ["deleteClient", "deleteRole", "createRole", "createClient"]
    assert grant[2]["acls"] == pc_acls("main", "pc-1")
    assert [c["command"] for c in revoke_commands("pc-1")] == ["deleteClient", "deleteRole"]
    commands = [c for n in range(200) for c in grant_commands("main", f"pc-{n}")]
    runs = list(batches(commands, max_bytes=12 * 1024))
    assert [c for run in runs for c in run] == commands
    assert all(len(json.dumps({"commands": run})) < 13 * 1024 for run in runs)


# --------------------------------------------------------------------------- the CA's site records


def test_a_pc_is_bound_to_the_site_it_was_issued_or_first_enrolled_at(ca: CertificateAuthority) -> None:
    assert ca.issue("pc-1", site="main").site == "main"
    assert ca.ensure("pc-1", site="main").site == "main"
    with pytest.raises(CAError, match="enrolled at site 'main', not 'annex'"):
        ca.ensure("pc-1", site="annex")
    ca.issue("pc-2")
    assert ca.ensure("pc-2").site is None
    assert ca.ensure("pc-2", site="annex").site == "annex"
    assert CertificateAuthority.open(ca.root).get("pc-2").site == "annex"
    # issue_many binds new and unbound PCs alike and refuses the whole batch on a conflict.
    ca.issue("pc-3")
    assert [i.site for i in ca.issue_many(["pc-3", "pc-4"], site="annex")] == ["annex", "annex"]
    with pytest.raises(CAError, match="enrolled at site"):
        ca.issue_many(["pc-5", "pc-1"], site="annex")
    assert "pc-5" not in {i.name for i in ca.list()}
    # Moving a PC: revoke it, issue it again with the new site.
    ca.revoke("pc-1")
    assert ca.issue("pc-1", site="annex").site == "annex"


@pytest.mark.parametrize(
    ("name", "kind", "site", "message"),
    [
        ("pc-1", "pc", "a/b", "invalid site"),
        ("pc-1", "pc", "+", "invalid site"),
        ("pc-1", "pc", "", "invalid site"),
        (HUB_IDENTITY, "hub", "main", "only a PC belongs to a site"),
        ("icafe-pc", "pc", None, "reserved for the hub's services"),
        ("ICAFE-thing", "pc", None, "reserved for the hub's services"),
        ("helper", "service", None, "a service's name starts with 'icafe-'"),
    ],
)
def test_sites_and_service_names_are_checked(
    ca: CertificateAuthority, name: str, kind: str, site: str | None, message: str
) -> None:
    with pytest.raises(CAError, match=message):
        ca.issue(name, kind=kind, site=site)  # type: ignore[arg-type]


def test_an_index_from_before_sites_still_opens(ca: CertificateAuthority) -> None:
    ca.issue("pc-1", site="main")
    index = json.loads(ca.index_path.read_text())
    for record in index["records"]:
        record.pop("site", None)
    ca.index_path.write_text(json.dumps(index))
    assert CertificateAuthority.open(ca.root).get("pc-1").site is None
