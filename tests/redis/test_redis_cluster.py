"""A Redis Cluster of three primaries, as `redis-cli --cluster create` makes it. All of one
mock's keys share one hash tag, so they live in one slot on one node: a mock given any
node of the cluster follows its MOVED answer there, and follows the slot again when
resharding moves it to another node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from tests.support.load import created, load
from tests.support.mocks import unique_prefix
from tests.support.processes import running_mock, running_mocks
from tests.support.redis_server import RedisCluster, move_slot, running_cluster
from tests.support.sockets import get_json, port_of, request

# Several mocks and Redis processes at once: seconds each.
pytestmark = [pytest.mark.process, pytest.mark.slow]

STAFF = {"Authorization": "Token staff-token", "Content-Type": "application/json"}
CLIENTS = 24
SECONDS = 2.0  # how long the clients keep sending; a bound, not an assertion


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster")) as redis_cluster:
        yield redis_cluster


def _options(url: str, prefix: str) -> tuple[str, ...]:
    return ("--store", url, "--store-prefix", prefix, "--log-level", "warning")


@pytest.mark.slow
def test_mocks_given_any_node_share_one_set_of_contacts(cluster: RedisCluster) -> None:
    prefix = unique_prefix()
    owner = cluster.node_of(f"{{{prefix}}}:last-id")
    # Two mocks start on nodes that do not hold their keys, one on the node that does.
    nodes = [*(node for node in cluster.nodes if node is not owner), owner]
    with running_mocks(*(_options(node.url, prefix) for node in nodes)) as mocks:
        ports = [port_of(mock) for mock in mocks]
        results = asyncio.run(load(ports, CLIENTS, SECONDS))
        stored = [get_json(port, "/__mock__/contacts") for port in ports]
    assert [(r.expected, r.status) for r in results if r.status != r.expected] == []
    by_id = created(results)
    assert len(by_id) > CLIENTS
    for contacts in stored:
        assert [contact["id"] for contact in contacts] == list(range(1, len(by_id) + 1))
        assert {contact["id"]: contact for contact in contacts} == by_id


def test_the_mock_follows_its_slot_when_it_moves_to_another_node(cluster: RedisCluster) -> None:
    prefix = unique_prefix()
    tag = f"{{{prefix}}}:last-id"
    with running_mock(*_options(cluster.nodes[0].url, prefix)) as mock:
        port = port_of(mock)

        def create(subject: str) -> tuple[int, dict[str, object]]:
            body = json.dumps({"subject": subject}).encode()
            status, _, answer = request(port, "POST", "/api/contacts/", body, STAFF)
            return status, json.loads(answer)

        before = [create(f"before {n}") for n in range(3)]
        target = next(node for node in cluster.nodes if node is not cluster.node_of(tag))
        during: list[tuple[int, dict[str, object]]] = []
        move_slot(cluster, tag, target, midway=lambda: during.append(create("during")))
        after = [create(f"after {n}") for n in range(3)]
        stored = get_json(port, "/__mock__/contacts")
    assert cluster.node_of(tag) is target
    assert [status for status, _ in before + after] == [201] * 6
    # Half moved, the create's keys are on two nodes: Redis asks to try again later.
    [(status, answer)] = during
    assert status == 503
    assert str(answer["detail"]).startswith("Redis at redis://127.0.0.1:")
    assert "is unavailable: " in str(answer["detail"])  # then Redis's own words
    assert [answer for _, answer in before + after] == stored
    assert [contact["id"] for contact in stored] == [1, 2, 3, 4, 5, 6]
