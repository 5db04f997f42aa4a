"""Read: inputs (files, directories, stdin, JSON/JSONL records) -> raw documents.

The kind of an input is taken from its content, not only from its name.
"""

from newsgraph.read.decode import decode_bytes, detect_kind
from newsgraph.read.sources import ReadResult, expand_paths, read_path, read_sources

__all__ = ["ReadResult", "decode_bytes", "detect_kind", "expand_paths", "read_path", "read_sources"]
