"""The seed file as README documents it: contacts may leave out what the server sets
(filled as a create fills it), and a refused file names every problem by its index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contacts_core.clock import parse_rfc3339
from contacts_core.spec import operation
from mock_server.seed import SeedError, read_seed_file

OP = operation()


def _seed(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data))
    return path


def test_contacts_without_server_set_fields_are_filled_as_a_create_would(
    tmp_path: Path,
) -> None:
    given = [{"subject": "First"}, {"id": 5, "subject": "Fifth"}, {"subject": "After"}]
    contacts = read_seed_file(_seed(tmp_path, given))
    (id_field,) = OP.id_fields
    assert [c[id_field] for c in contacts] == [6, 5, 7]
    for contact in contacts:
        assert list(contact) == list(OP.response_fields)
        for name, value in {**OP.unsent_values, **OP.creation_values}.items():
            assert contact[name] == value
        created, *later = (contact[name] for name in OP.timestamp_fields)
        assert parse_rfc3339(created) is not None
        assert later == [created] * len(later)


def test_given_server_set_fields_are_kept(tmp_path: Path) -> None:
    given = {"subject": "Old", "created_at": "2026-01-01T00:00:00Z"}
    (contact,) = read_seed_file(_seed(tmp_path, [given]))
    assert all(contact[name] == given["created_at"] for name in OP.timestamp_fields)


def test_a_refused_seed_file_names_every_problem_with_its_index(tmp_path: Path) -> None:
    data = [{"subject": "fine"}, {"message": "no subject"}, "text", {"subject": "x", "nick": 1}]
    with pytest.raises(SeedError) as refused:
        read_seed_file(_seed(tmp_path, data))
    message = str(refused.value)
    assert "\n" not in message
    assert "item 0" not in message
    assert 'item 1: the contact: "subject" is a required property' in message
    assert "item 2: not a JSON object" in message
    assert "item 3: unknown field(s) nick" in message


def test_an_id_beyond_the_specs_int64_format_is_refused(tmp_path: Path) -> None:
    # JSON has no integer limit and the validator does not know OpenAPI's formats.
    (id_field,) = OP.id_fields
    data = [{"subject": "last", id_field: 2**63 - 1}, {"subject": "over", id_field: 2**63}]
    with pytest.raises(SeedError) as refused:
        read_seed_file(_seed(tmp_path, data))
    message = str(refused.value)
    assert f"item 1: {id_field}: {2**63} is out of the range of the spec's format int64" in message
    assert "item 0" not in message
