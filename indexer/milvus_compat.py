"""milvus-lite 2.5.1 reads its own version through `pkg_resources`, which setuptools ≥ 81 no longer ships.

Only `DistributionNotFound` and `get_distribution(name).version` are used (milvus_lite/__init__.py), so
when `pkg_resources` is missing a two-name stand-in backed by importlib.metadata is registered before
pymilvus imports milvus_lite. With an older setuptools the real module is used and this does nothing.
"""
from __future__ import annotations

import importlib.metadata
import sys
import types


def ensure_pkg_resources() -> None:
    try:
        import pkg_resources  # noqa: F401
        return
    except ImportError:
        pass
    shim = types.ModuleType("pkg_resources")

    class DistributionNotFound(Exception):
        pass

    def get_distribution(name: str):
        try:
            return types.SimpleNamespace(version=importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            raise DistributionNotFound(name) from None

    shim.DistributionNotFound = DistributionNotFound
    shim.get_distribution = get_distribution
    sys.modules["pkg_resources"] = shim
