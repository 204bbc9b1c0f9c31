"""Settings: environment variables, the TOML config file, derived values."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.credentials.profile import ProfileInvalid, requirement_profile
from node.identity import did_web_for_origin
from node.settings import Settings


def test_config_file_then_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "node.toml"
    config.write_text(
        'origin = "https://uni.example/"\nrequire_approval = true\n'
        "[profile]\nectsMin = 2\nectsMax = 6\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CREDREG_CONFIG", str(config))
    monkeypatch.setenv("CREDREG_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.origin == "https://uni.example"
    assert settings.require_approval is True
    profile = requirement_profile(settings.profile)
    assert (profile.ects_min, profile.ects_max) == (2, 6)
    assert settings.effective_database_url.endswith("/node.db")

    monkeypatch.setenv("CREDREG_ORIGIN", "https://other.example")
    assert Settings().origin == "https://other.example"


def test_a_bad_profile_is_named_in_one_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, profile={"ectsMin": 9, "ectsMax": 6, "colour": 1})
    with pytest.raises(ProfileInvalid) as caught:
        requirement_profile(settings.profile)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the requirement profile ([profile]) is invalid: ")
    assert "colour: unknown element" in message


def test_data_dir_argument_reads_its_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--data-dir` (an argument, not CREDREG_DATA_DIR) names the folder of config.toml too.
    for name in ("CREDREG_CONFIG", "CREDREG_DATA_DIR", "CREDREG_ORIGIN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.toml").write_text('origin = "https://from-file.example"\n', "utf-8")
    assert Settings(data_dir=tmp_path).origin == "https://from-file.example"
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CREDREG_DATA_DIR", str(tmp_path))  # the argument wins over the env
    assert Settings(data_dir=other).origin == "http://127.0.0.1:8000"


def test_missing_explicit_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDREG_CONFIG", "/nonexistent/credreg.toml")
    with pytest.raises(FileNotFoundError):
        Settings()


@pytest.mark.parametrize(
    ("origin", "did"),
    [
        ("https://uni.example", "did:web:uni.example"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000"),
        ("https://example.org/unis/tuni/", "did:web:example.org:unis:tuni"),
    ],
)
def test_did_web_from_origin(origin: str, did: str) -> None:
    assert did_web_for_origin(origin) == did
