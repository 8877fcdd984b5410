"""Wiring of the autoregressive pipeline: stage 1 (video) then stage 2 (Video2World, from stage 1's weights)."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.autoregressive import nodes


def create_pipeline(**kwargs) -> Pipeline:
    params = "params:autoregressive"
    return Pipeline(
        [
            Node(nodes.encode_tokens, ["training_clips", "tokenizer_dv", params], "ar_tokens", name="encode_ar_tokens"),
            Node(nodes.embed_captions, ["ar_tokens", params], "ar_caption_embeddings", name="embed_ar_captions"),
            Node(
                nodes.train_video,
                ["ar_tokens", "tokenizer_dv", params],
                ["ar_video_module", "ar_video_summary"],
                name="train_ar_video",
            ),
            Node(
                nodes.train_video2world,
                ["ar_video_module", "ar_tokens", "ar_caption_embeddings", "tokenizer_dv", params],
                ["ar_v2w_module", "ar_v2w_summary"],
                name="train_ar_video2world",
            ),
            Node(
                nodes.package_video,
                ["ar_video_module", "ar_video_summary", "ar_tokens", params],
                "ar_video@artifact",
                name="save_ar_video",
            ),
            Node(
                nodes.package_video2world,
                ["ar_v2w_module", "ar_v2w_summary", "ar_tokens", "ar_caption_embeddings", params],
                "ar_v2w@artifact",
                name="save_ar_v2w",
            ),
            Node(
                nodes.sample_videos,
                ["ar_video_module", "ar_v2w_module", "ar_tokens", "ar_caption_embeddings", "tokenizer_dv", params],
                ["ar_sample_videos", "ar_sampling_speeds"],
                name="sample_ar_videos",
            ),
            Node(
                nodes.report,
                ["ar_video_summary", "ar_v2w_summary", "ar_sampling_speeds"],
                "autoregressive_metrics",
                name="report_autoregressive",
            ),
        ]
    )
