"""result.json: round trip, atomic write, clear errors on bad input, schema export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecq_scan.errors import InputError
from ecq_scan.models import SCHEMA_VERSION, ScanResult
from ecq_scan.report import json_schema, read_json, write_json, write_reports


def test_round_trip_is_equal(result: ScanResult, tmp_path: Path) -> None:
    path = write_json(result, tmp_path / "result.json")
    assert read_json(path) == result


def test_json_is_readable_utf8_indented(result: ScanResult, tmp_path: Path) -> None:
    path = write_json(result, tmp_path / "out" / "result.json")  # parent is created
    text = path.read_text(encoding="utf-8")
    assert "统一社会信用代码" in text  # not \\u-escaped
    assert "\\u" not in text
    assert text.startswith('{\n  "schema_version": ')
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION


def test_write_is_atomic_and_overwrites(result: ScanResult, tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text("stale", encoding="utf-8")
    write_json(result, path)
    assert read_json(path) == result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no temp file left


def test_failed_write_keeps_previous_file(
    result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_json(result, tmp_path / "result.json")
    before = path.read_text(encoding="utf-8")

    def boom(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("ecq_scan.report._io.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_json(result, path)
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_json(tmp_path / "nope.json")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_json(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an ecq-scan result"),
        ('{"target": "x"}', "not an ecq-scan result"),
        ('{"schema_version": "2.0"}', "schema version '2.0'"),
        ('{"schema_version": 1}', "schema version 1"),
        ('{"schema_version": "1.0", "target": "x"}', "does not match the result schema"),
    ],
)
def test_invalid_files_are_input_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_json(path)
    assert str(path) in str(info.value)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes('{"schema_version": "1.0", "target": "商城"}'.encode("gb18030"))
    with pytest.raises(InputError, match="UTF-8"):
        read_json(path)


def test_same_major_newer_minor_is_accepted(result: ScanResult, tmp_path: Path) -> None:
    payload = result.model_dump(mode="json")
    payload["schema_version"] = SCHEMA_VERSION.split(".")[0] + ".99"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    assert read_json(path).schema_version.endswith(".99")


def test_schema_describes_the_result() -> None:
    schema = json_schema()
    assert "schema_version" in schema["properties"]
    assert {"scorecard", "findings", "disclosures", "provenance"} <= set(schema["required"])
    json.dumps(schema)  # printable by `ecq-scan schema`


def test_write_reports(result: ScanResult, tmp_path: Path) -> None:
    paths = write_reports(result, tmp_path / "run", "en")
    assert set(paths) == {"result.json", "report.html", "findings.csv", "disclosures.csv"}
    assert read_json(paths["result.json"]) == result
    assert paths["report.html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
