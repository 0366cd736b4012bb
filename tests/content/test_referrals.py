"""The referral directory (content/referrals.yaml): what the check reports, and what a
facilitator in an area is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.referrals import COUNTRY, KINDS, REFERRALS_PATH, Service, load_directory

VALID = """\
areas:
  Burundi:
    health:
      - name: Any health centre
    psychosocial:
      - name: National line
    legal: null
    land:
      - name: CNTB
  Gitega:
    health:
      - {name: Hôpital de Gitega, place: Gitega, phone: "+257 00 00 00 00", hours: "24/7"}
    psychosocial:
      - name: Centre Gitega
    legal: []
  Gitega/Giheta/:
    psychosocial:
      - name: Centre Giheta
        note: on market days
"""


def directory_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "referrals.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_directory(tmp_path: Path) -> None:
    directory = load_directory(directory_file(tmp_path, VALID))
    assert directory.problems == ()
    assert set(directory.areas) == {COUNTRY, "Gitega", "Gitega/Giheta"}


def test_the_most_precise_area_then_burundi(tmp_path: Path) -> None:
    directory = load_directory(directory_file(tmp_path, VALID))
    shown = dict(directory.services(["Gitega", "Giheta", "Kabuye"]))
    assert list(shown) == list(KINDS)
    assert shown["psychosocial"] == (Service("Centre Giheta", note="on market days"),)  # commune
    assert shown["health"] == (
        Service("Hôpital de Gitega", "Gitega", "+257 00 00 00 00", "24/7"),  # province
    )
    assert shown["land"] == (Service("CNTB"),)  # the whole country
    # Not known anywhere (null, an empty list, or not listed): nothing, "to be completed".
    assert shown["legal"] == shown["police"] == shown["one_stop"] == ()
    province = dict(directory.services(["Gitega", "Bugendana"]))
    assert province["psychosocial"] == (Service("Centre Gitega"),)
    elsewhere = dict(directory.services(["Ngozi", "Busiga"]))
    assert elsewhere["health"] == (Service("Any health centre"),)
    assert elsewhere["psychosocial"] == (Service("National line"),)
    assert dict(directory.services([]))["land"] == (Service("CNTB"),)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            VALID + "  Ngozi:\n    hospital: null\n",
            "Ngozi: 'hospital' is not one of health, psychosocial, legal, land, police, one_stop",
        ),
        (
            VALID + "  Ngozi:\n    police:\n      - place: Ngozi\n",
            "Ngozi/police: each entry needs a name",
        ),
        (
            VALID + "  Ngozi:\n    police:\n      - name: ' '\n",
            "Ngozi/police: each entry needs a name",
        ),
        (
            VALID.replace("  Burundi:\n", "  Burundi-wide:\n"),
            "list Burundi (the whole country), even with every kind left null",
        ),
        (
            VALID + "  Ngozi:\n    police:\n      - {name: Poste, mail: x@y.z}\n",
            "Ngozi/police: unknown field mail",
        ),
        (VALID + "  Ngozi:\n    police: Poste\n", "Ngozi/police: a list of entries, or null"),
        (VALID + "  Ngozi: Poste\n", "Ngozi: list services by kind (" + ", ".join(KINDS) + ")"),
    ],
)
def test_what_the_check_reports(tmp_path: Path, text: str, problem: str) -> None:
    assert load_directory(directory_file(tmp_path, text)).problems == (problem,)


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    directory = load_directory(directory_file(tmp_path, "areas: [Burundi\n"))
    assert directory.areas == {}
    assert directory.problems[0].startswith("referrals.yaml cannot be read: ")
    missing = load_directory(tmp_path / "nowhere.yaml")
    assert missing.problems[0].startswith("nowhere.yaml cannot be read: ")


def test_the_shipped_directory_loads_without_problems() -> None:
    directory = load_directory(REFERRALS_PATH)
    assert directory.problems == ()
    assert COUNTRY in directory.areas
    # Nothing guessed: what the whole country lists has a name.
    assert all(service.name for _, services in directory.services([]) for service in services)


@pytest.mark.parametrize("text", ["- Burundi\n", "areas:\n  - Burundi\n"])
def test_a_list_where_the_areas_belong_is_reported(tmp_path: Path, text: str) -> None:
    assert load_directory(directory_file(tmp_path, text)).problems != ()
