"""Wiring of the curation pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.curation import nodes


def create_pipeline(**kwargs) -> Pipeline:
    curation = "params:curation"
    return Pipeline(
        [
            Node(nodes.detect_shots, ["videos_manifest", curation], ["shots", "shots_stats"], name="detect_shots"),
            Node(
                nodes.plan_clips,
                ["videos_manifest", "shots", curation],
                ["candidate_clips", "split_stats"],
                name="plan_clips",
            ),
            Node(
                nodes.filter_clips,
                ["candidate_clips", "videos_manifest", "sim_episodes", curation],
                ["filtered_clips", "clip_embeddings", "filter_stats"],
                name="filter_caption_embed_clips",
            ),
            Node(
                nodes.deduplicate_clips,
                ["filtered_clips", "clip_embeddings", "videos_manifest", curation],
                ["deduplicated_clips", "dedup_stats"],
                name="deduplicate_clips",
            ),
            Node(
                nodes.transcode_clips,
                ["deduplicated_clips", "videos_manifest", curation, "params:curation_clips_dir"],
                ["transcoded_clips", "transcode_stats"],
                name="transcode_clips",
            ),
            Node(
                nodes.validate_clips,
                ["transcoded_clips", "videos_manifest", curation],
                "clips_manifest",
                name="validate_clips_manifest",
            ),
            Node(
                nodes.report_curation,
                [
                    "clips_manifest",
                    "shots",
                    "videos_manifest",
                    "shots_stats",
                    "split_stats",
                    "filter_stats",
                    "dedup_stats",
                    "transcode_stats",
                ],
                ["curation_metrics", "curation_rejections_plot"],
                name="report_curation",
            ),
        ]
    )
