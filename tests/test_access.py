import pytest

from indexer.errors import BadInput
from qa.access import TOKEN_ENV, TOKEN_FILE_ENV, admin_enabled, admin_token, is_admin


def test_no_credential_means_no_administration(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(TOKEN_FILE_ENV, raising=False)
    assert admin_token() is None and not admin_enabled()
    assert not is_admin("anything") and not is_admin("")


def test_credential_from_environment(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "s3cret-token")
    assert admin_enabled()
    assert is_admin("s3cret-token") and is_admin(" s3cret-token\n")
    assert not is_admin("s3cret-tokeN") and not is_admin(None) and not is_admin("")


def test_credential_from_file(monkeypatch, tmp_path):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    path = tmp_path / "token"
    path.write_text("from-a-file-123\nignored\n", encoding="utf-8")
    monkeypatch.setenv(TOKEN_FILE_ENV, str(path))
    assert is_admin("from-a-file-123") and not is_admin("ignored")


def test_short_or_unreadable_credential_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(TOKEN_ENV, "short")
    with pytest.raises(BadInput, match="at least"):
        admin_token()
    monkeypatch.delenv(TOKEN_ENV)
    monkeypatch.setenv(TOKEN_FILE_ENV, str(tmp_path / "missing"))
    with pytest.raises(BadInput, match="cannot read"):
        admin_token()
