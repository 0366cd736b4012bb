"""The guides, the content check and the translation catalogs."""
