"""Configuration from the environment and the instance folder."""

from school import config


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.load(str(tmp_path))["SECRET_KEY"]
    second = config.load(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MIN_STUDY_SECONDS", "5")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("REMEMBER_COOKIE_DAYS", "365")
    cfg = config.load(str(tmp_path))
    assert cfg["SECRET_KEY"] == "from-env" and cfg["MIN_STUDY_SECONDS"] == 5
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["REMEMBER_COOKIE_SECURE"] is True
    assert cfg["REMEMBER_COOKIE_DURATION"].days == 30  # capped
    assert not (tmp_path / "secret_key").exists()


def test_relative_sqlite_paths_live_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///school.db")
    assert config.load(str(tmp_path))["DATABASE_URL"] == f"sqlite:///{tmp_path}/school.db"
