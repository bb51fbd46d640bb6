"""Loading a specs directory: discovery, documents, cross-file checks and the canonical document."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from statesync.errors import SpecError
from statesync.kinds import INVESTOR
from statesync.specs import discover, load_specs, load_text

HEAD = "apiVersion: statesync/v1\nkind: Investor\n"


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _investor(key: str, extra: str = "") -> str:
    return f"{HEAD}externalId: {key}\n{extra}"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, so diagnostics name files relative to it as they would in a repo."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_discovery_is_recursive_sorted_and_skips_hidden_directories(tmp_path: Path) -> None:
    hidden = (".git/d.yaml", "a/.cache/e.yaml", "a/.f.yaml")
    for relative in ("b.yaml", "a/deep/c.yml", "a/x.yaml", *hidden):
        _write(tmp_path, relative, _investor("X"))
    for relative in ("notes.txt", "a/README.md", "f.yaml.bak"):
        _write(tmp_path, relative, "not a spec")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a/deep/c.yml", "a/x.yaml", "b.yaml"]


def test_a_single_file_can_be_loaded(in_tmp: Path) -> None:
    path = _write(in_tmp, "one.yaml", _investor("INV-1"))
    assert [s.key for s in load_specs(path).specs] == ["INV-1"]


def test_multi_document_file_with_lines(in_tmp: Path) -> None:
    text = "# three investors\n" + "\n---\n".join(_investor(k) for k in ("INV-1", "INV-2", "INV-3"))
    _write(in_tmp, "many.yaml", text + "---\n")
    loaded = load_specs(in_tmp)
    assert [(s.key, s.where) for s in loaded.specs] == [
        ("INV-1", "many.yaml:2"),
        ("INV-2", "many.yaml:7"),
        ("INV-3", "many.yaml:12"),
    ]
    assert (loaded.files, set(loaded.by_key("Investor"))) == (1, {"INV-1", "INV-2", "INV-3"})


def test_errors_in_later_documents_point_at_their_own_lines() -> None:
    text = _investor("INV-1") + "---\n" + _investor("INV-2", "active: Yes\n")
    specs, diagnostics = load_text(text, "two.yaml")
    assert [s.key for s in specs] == ["INV-1"]
    assert [(d.line, d.column, d.field) for d in diagnostics] == [(8, 9, "active")]


@pytest.mark.parametrize("empty", ["---\n", "---\n~\n", "--- null\n", "---\n# nothing here\n"])
def test_empty_documents_do_not_shift_positions_of_later_ones(empty: str) -> None:
    text = empty + "---\n" + _investor("INV-1", "active: Yes\n")
    _, diagnostics = load_text(text, "a.yaml")
    first = text.count("\n", 0, text.index("apiVersion")) + 1
    assert [(d.line, d.column, d.field) for d in diagnostics] == [(first + 3, 9, "active")]


def test_duplicate_external_id_across_files_names_both_places(in_tmp: Path) -> None:
    _write(in_tmp, "a.yaml", _investor("INV-7"))
    _write(in_tmp, "sub/b.yaml", "# the same investor again\n" + _investor("INV-7"))
    with pytest.raises(SpecError) as caught:
        load_specs(in_tmp)
    [problem] = caught.value.diagnostics
    assert (problem.file, problem.line, problem.field) == ("sub/b.yaml", 2, "externalId")
    assert "duplicate externalId 'INV-7'" in problem.message
    assert "a.yaml:1" in problem.message


def test_duplicate_external_id_within_one_file(in_tmp: Path) -> None:
    _write(in_tmp, "a.yaml", _investor("INV-7") + "---\n" + _investor("INV-7"))
    with pytest.raises(SpecError) as caught:
        load_specs(in_tmp)
    [problem] = caught.value.diagnostics
    assert (problem.file, problem.line) == ("a.yaml", 5)
    assert "also declared at a.yaml:1" in problem.message


def test_every_problem_of_every_file_in_one_run(in_tmp: Path) -> None:
    _write(in_tmp, "good.yaml", _investor("INV-1"))
    _write(in_tmp, "a/types.yaml", _investor("INV-2", "active: Yes\neci: true\n"))
    _write(in_tmp, "b/broken.yml", HEAD + "externalId: [\n")
    _write(in_tmp, "c/envelope.yaml", "kind: Investor\nexternalId: INV-3\n")
    _write(in_tmp, "d/dup.yaml", _investor("INV-1", "name:\n  fulName: X\n"))
    _write(in_tmp, "e/dup2.yaml", _investor("INV-1"))
    with pytest.raises(SpecError) as caught:
        load_specs(in_tmp)
    places = [(d.file, d.line, d.field) for d in caught.value.diagnostics]
    assert places == [
        ("a/types.yaml", 4, "active"),
        ("a/types.yaml", 5, "eci"),
        ("b/broken.yml", 3, ""),
        ("c/envelope.yaml", 1, ""),
        ("d/dup.yaml", 5, "name.fulName"),
        ("good.yaml", 1, "externalId"),  # files load in sorted order: e/dup2.yaml came first
    ]
    assert "also declared at e/dup2.yaml:1" in caught.value.diagnostics[-1].message
    assert str(caught.value).count("\n") == len(places) - 1


def test_missing_directory_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such specs directory"):
        load_specs(tmp_path / "nope")


def test_non_utf8_file_is_reported(in_tmp: Path) -> None:
    (in_tmp / "latin1.yaml").write_bytes(
        _investor("INV-1", "name:\n  fullName: Jos\xe9\n").encode("latin-1")
    )
    with pytest.raises(SpecError) as caught:
        load_specs(in_tmp)
    [problem] = caught.value.diagnostics
    assert (problem.file, problem.line) == ("latin1.yaml", 1)
    assert "UTF-8" in problem.message


def test_empty_files_and_comment_only_files_hold_no_specs(in_tmp: Path) -> None:
    _write(in_tmp, "empty.yaml", "")
    _write(in_tmp, "comments.yaml", "# nothing yet\n")
    loaded = load_specs(in_tmp)
    assert (loaded.specs, loaded.files) == ((), 2)


def test_digest_changes_with_any_file_and_only_then(in_tmp: Path) -> None:
    _write(in_tmp, "a.yaml", _investor("INV-1"))
    first = load_specs(in_tmp).digest
    assert load_specs(in_tmp).digest == first
    _write(in_tmp, "a.yaml", _investor("INV-1", "# a comment\n"))
    assert load_specs(in_tmp).digest != first


def test_omitted_and_null_stay_distinct_in_the_document() -> None:
    text = _investor(
        "INV-1",
        "alternateId: null\nactive: true\nname:\n  fullName: Jane\n  abbreviatedLine1: null\n"
        "address:\n  - type: Mailing\n    city: Hartford\n    addressLine2: ~\n"
        "  - type: Legal\n    postalCode: '06103'\n",
    )
    [spec], diagnostics = load_text(text, "a.yaml")
    assert diagnostics == []
    assert spec.document == {
        "alternateId": None,
        "active": True,
        "name": {"fullName": "Jane", "abbreviatedLine1": None},
        "address": {
            "Mailing": {"city": "Hartford", "addressLine2": None},
            "Legal": {"postalCode": "06103"},
        },
    }
    assert "externalId" not in spec.document
    assert INVESTOR.to_listed(spec.document)["address"] == [
        {"type": "Mailing", "city": "Hartford", "addressLine2": None},
        {"type": "Legal", "postalCode": "06103"},
    ]


def test_a_null_group_manages_every_field_of_it_as_empty() -> None:
    text = _investor("INV-1", "frozen: null\ncftcNfa: null\nname: null\naddress: null\n")
    [spec], _ = load_text(text, "a.yaml")
    assert spec.document["frozen"] == {"status": None, "effectiveDate": None, "notes": None}
    assert set(spec.document["cftcNfa"]) == {
        "nfald", "commodityTradingAdvisor", "operator", "otherDescription", "cftcCertification",
        "cftcCertificationNotAcquiringSecOffered", "cftcCertAccreditedInvestor", "rule413Exempt",
        "noActionLetter1238", "noActionLetter1237", "rule45Required", "rule45NotRequired",
        "interpretiveGuidance", "charitableFoundation", "rule310Exempt", "otherExemptionDesc",
        "notEngaged",
    }  # fmt: skip
    assert set(spec.document["cftcNfa"].values()) == {None}
    assert spec.document["name"] == {
        "fullName": None,
        "abbreviatedLine1": None,
        "abbreviatedLine2": None,
    }
    assert spec.document["address"] is None


def test_a_minimal_spec_manages_nothing_but_its_key() -> None:
    [spec], _ = load_text(_investor("INV-1"), "a.yaml")
    assert (spec.key, spec.document) == ("INV-1", {})


def test_a_byte_order_mark_is_no_part_of_the_first_key(in_tmp: Path) -> None:
    (in_tmp / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + _investor("INV-1").encode())
    assert [s.key for s in load_specs(in_tmp).specs] == ["INV-1"]


def test_an_unreadable_file_is_a_diagnostic_and_the_others_are_still_read(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = _write(in_tmp, "locked.yaml", _investor("INV-1"))
    _write(in_tmp, "open.yaml", _investor("INV-2", "name: 3\n"))
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:  # chmod 000 does not stop root, who may run the suite
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(SpecError) as caught:
        load_specs(in_tmp)
    assert [str(d) for d in caught.value.diagnostics] == [
        "locked.yaml:1:1: error: cannot read the file (Permission denied)",
        "open.yaml:4:7: error: name: expected a mapping of fields, got a number",
    ]


def test_an_unreadable_directory_is_a_diagnostic_not_specs_silently_missing(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(in_tmp, "specs/open/a.yaml", _investor("INV-1"))
    _write(in_tmp, "specs/locked/b.yaml", _investor("INV-2"))
    scandir = os.scandir

    def refuse(path: Any) -> Any:  # chmod 000 does not stop root, who may run the suite
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(SpecError) as caught:
        load_specs("specs")
    assert [str(d) for d in caught.value.diagnostics] == [
        "specs/locked: error: cannot read the directory (Permission denied)"
    ]
    with pytest.raises(SpecError):
        discover(in_tmp / "specs")
