"""Curation: from raw video to clean, captioned, deduplicated clips."""
