"""Adapters: real-world exports turned into canonical records.

Each module has `sources(path) -> list[Source]` in dependency order (all
account passes before post passes); the records go through the same
validation and writer as the canonical format. docs/model.md says how each
maps its columns.
"""
