"""Network pages (vis-network via pyvis's bundled assets) built from query DataFrames.

Everything here is pure Python over pandas: no database access. See :mod:`graphdb.viz.network`.
"""

from graphdb.viz.network import (
    PALETTE,
    NetworkInputError,
    build_network,
    country_network,
    ego_network,
    institution_network,
    model_network,
)

__all__ = [
    "PALETTE",
    "NetworkInputError",
    "build_network",
    "country_network",
    "ego_network",
    "institution_network",
    "model_network",
]
