"""Wiring of the ingest pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.ingest.nodes import gather_sources, probe_sources, validate_videos


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                gather_sources,
                ["user_videos", "sim_episodes", "params:ingest"],
                "ingest_sources",
                name="gather_sources",
            ),
            Node(
                probe_sources,
                ["ingest_sources", "params:ingest"],
                ["unvalidated_videos", "quarantine", "ingest_metrics"],
                name="probe_sources",
            ),
            Node(validate_videos, "unvalidated_videos", "videos_manifest", name="validate_videos_manifest"),
        ]
    )
