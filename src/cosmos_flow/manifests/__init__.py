"""The manifests that flow between pipelines: their column contracts, builders and validation."""
