"""docker-compose.yml cannot run here (no Docker engine): parse it and check the settings that matter."""

from __future__ import annotations

import re

import yaml

import graphdb

from conftest import ROOT


def _service():
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc, doc["services"]["neo4j"]


def test_image_matches_the_managed_server_version():
    _, svc = _service()
    assert svc["image"] == f"neo4j:{graphdb.NEO4J_VERSION}-community"


def test_ports_bound_to_loopback_only():
    _, svc = _service()
    assert sorted(svc["ports"]) == ["127.0.0.1:7474:7474", "127.0.0.1:7687:7687"]


def test_auth_from_environment_and_no_password_committed():
    _, svc = _service()
    auth = svc["environment"]["NEO4J_AUTH"]
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]+\}", auth), auth
    text = (ROOT / "docker-compose.yml").read_text()
    assert "neo4j/neo4j" not in text
    assert not re.search(r"(?im)^\s*[\w-]*password[\w-]*\s*:\s*\S", text), "a password value in the file"


def test_apoc_volumes_healthcheck():
    doc, svc = _service()
    assert "apoc" in svc["environment"]["NEO4J_PLUGINS"]
    mounts = {v.split(":")[1] for v in svc["volumes"]}
    assert {"/data", "/logs", "/var/lib/neo4j/import"} <= mounts
    assert set(doc["volumes"]) == {"neo4j-data", "neo4j-logs", "neo4j-import"}
    assert "7474" in " ".join(svc["healthcheck"]["test"])
