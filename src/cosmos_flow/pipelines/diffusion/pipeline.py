"""Wiring of the diffusion pipeline: the two stages train one after the other, Video2World starting from Text2World."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.diffusion import nodes


def create_pipeline(**kwargs) -> Pipeline:
    params = "params:diffusion"
    data = ["diffusion_latents", "diffusion_caption_embeddings"]
    return Pipeline(
        [
            Node(
                nodes.encode_latents,
                ["training_clips", "tokenizer_cv", params],
                "diffusion_latents",
                name="encode_diffusion_latents",
            ),
            Node(
                nodes.embed_captions,
                ["diffusion_latents", params],
                "diffusion_caption_embeddings",
                name="embed_diffusion_captions",
            ),
            Node(
                nodes.train_text2world,
                [*data, "tokenizer_cv", params],
                ["diffusion_t2w_module", "diffusion_t2w_summary"],
                name="train_text2world",
            ),
            Node(
                nodes.train_video2world,
                ["diffusion_t2w_module", *data, "tokenizer_cv", params],
                ["diffusion_v2w_module", "diffusion_v2w_summary"],
                name="train_video2world",
            ),
            Node(
                nodes.package_text2world,
                ["diffusion_t2w_module", "diffusion_t2w_summary", *data, params],
                "diffusion_t2w@artifact",
                name="save_diffusion_t2w",
            ),
            Node(
                nodes.package_video2world,
                ["diffusion_v2w_module", "diffusion_v2w_summary", *data, params],
                "diffusion_v2w@artifact",
                name="save_diffusion_v2w",
            ),
            Node(
                nodes.sample_videos,
                ["diffusion_t2w_module", "diffusion_v2w_module", *data, "tokenizer_cv", params],
                ["diffusion_sample_videos", "diffusion_sampling_seconds"],
                name="sample_diffusion_videos",
            ),
            Node(
                nodes.report,
                ["diffusion_t2w_summary", "diffusion_v2w_summary", "diffusion_sampling_seconds"],
                "diffusion_metrics",
                name="report_diffusion",
            ),
        ]
    )
