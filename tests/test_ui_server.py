"""ui.server: the settings a public deployment relies on, as flags and in the shipped config file."""
from __future__ import annotations

import tomllib
from pathlib import Path

from ui.server import MAX_UPLOAD_MB, flag_options

ROOT = Path(__file__).resolve().parent.parent


def test_flags_hide_the_developer_menu_bind_locally_and_limit_uploads():
    options = flag_options("127.0.0.1", 8501)
    assert options["client_toolbarMode"] in ("minimal", "viewer")
    assert options["server_address"] == "127.0.0.1" and options["server_port"] == 8501
    assert options["server_maxUploadSize"] == MAX_UPLOAD_MB == 20
    assert flag_options("0.0.0.0", 9000)["server_address"] == "0.0.0.0"


def test_the_app_ships_the_same_settings_for_streamlit_run():
    config = tomllib.loads((ROOT / "ui" / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["server"]["address"] == "127.0.0.1" and config["server"]["maxUploadSize"] == 20


def test_policykb_ui_takes_a_host():
    from cli.main import build_parser

    args = build_parser().parse_args(["ui"])
    assert args.host == "127.0.0.1" and args.port == 8501
    assert build_parser().parse_args(["ui", "--host", "0.0.0.0"]).host == "0.0.0.0"
