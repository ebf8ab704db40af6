"""Exchange with QDA tools through REFI-QDA (``.qdpx`` projects, ``.qdc`` codebooks)."""

from impactlib.exchange.refiqda import (
    CodeMapping,
    ExportSummary,
    QdaProject,
    build_project,
    codebook_xml,
    codings_to_codes,
    export_qdc,
    export_qdpx,
    map_codes,
    read_qdc,
    read_qdpx,
)
from impactlib.exchange.safezip import SafeArchive, ZipLimits

__all__ = [
    "CodeMapping", "ExportSummary", "QdaProject", "build_project", "codebook_xml", "codings_to_codes",
    "export_qdc", "export_qdpx", "map_codes", "read_qdc", "read_qdpx", "SafeArchive", "ZipLimits",
]
