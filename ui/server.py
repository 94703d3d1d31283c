"""`policykb ui`: the Streamlit server, with the knowledge base loaded before it accepts anyone.

`python -m ui.server --index DIR --corpus DIR [--host H] [--port P]` loads and warms the knowledge
base in this process (`ui.state.warm`), then starts Streamlit on `ui/app.py` in the same process, so
the first visitor finds it ready instead of paying 10+ seconds for it.  The settings that protect a
public deployment are passed as flags and also ship in `ui/.streamlit/config.toml`:

- `client.toolbarMode = "minimal"`: no developer menu and no Deploy button;
- `server.address`: 127.0.0.1 unless `--host` says otherwise;
- `server.maxUploadSize = 20` (MB): larger uploads are refused by the server itself.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
MAX_UPLOAD_MB = 20


def flag_options(host: str, port: int) -> dict:
    """Streamlit config options, as `streamlit run` flags would give them."""
    return {"server_address": host, "server_port": port, "server_headless": True,
            "server_maxUploadSize": MAX_UPLOAD_MB, "client_toolbarMode": "minimal",
            "browser_gatherUsageStats": False}


def preload_page_modules() -> None:
    """Import what the pages import, so the first page run does not."""
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    import qa.digest  # noqa: F401
    import ui.export  # noqa: F401
    import ui.widgets  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.server")
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    app_args = ["--index", str(args.index.absolute()), "--corpus", str(args.corpus.absolute())]

    from streamlit import config as st_config
    from streamlit.web import bootstrap

    from ui import state

    started = time.perf_counter()
    state.warm(state.settings(app_args))
    preload_page_modules()
    print(f"PolicyKB UI: knowledge base ready in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    st_config._main_script_path = str(APP)  # so ui/.streamlit/config.toml is read, as `streamlit run` does
    options = flag_options(args.host, args.port)
    bootstrap.load_config_options(flag_options=options)
    bootstrap.run(str(APP), False, app_args, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
