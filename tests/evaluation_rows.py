"""Hand-made per-episode evaluation rows shared by the table and report tests (tests/ is on pytest's pythonpath)."""

import pandas as pd

OTHER_METRICS = {
    "ssim": 0.5, "centroid_error_px": 1.0, "object_missing_rate": 0.0, "spatiotemporal_iou": 0.5,
    "weighted_spatial_iou": 0.5, "generation_failure": 0.0, "failure_events": 0.0,
}  # fmt: skip


def physics_rows(episodes_per_scenario: int = 1, model_gain: float = 0.0) -> pd.DataFrame:
    """Episodes of drop and push; copy_last_frame at half the variance's quality, the model at 0.75 (+ gain on mask
    IoU)."""
    records = []
    for scenario, mse, iou in (("drop", 0.01, 0.2), ("push", 0.001, 0.6)):
        for index in range(episodes_per_scenario):
            wobble = (
                0.0 if episodes_per_scenario == 1 else 0.03 * (-1) ** index
            )  # a spread over episodes (even counts keep the mean)
            for source, kind, scale in (
                ("physical_variance", "reference", 1.0),
                ("copy_last_frame", "baseline", 0.5),
                ("wm", "model", 0.75),
            ):
                gain = model_gain if kind == "model" else 0.0
                records.append({"episode_id": f"{scenario}_{index}", "scenario": scenario, "condition_frames": 1,
                                "source": source, "kind": kind, "seconds": 0.1, "psnr": 0.0}
                               | OTHER_METRICS
                               | {"mse": mse / scale, "mask_iou": iou * scale + wobble + gain,
                                  "spatial_iou": 0.8 * scale})  # fmt: skip
    return pd.DataFrame(records)


def geometry_rows() -> pd.DataFrame:
    records = []
    for video, pan in (("o0", False), ("o1", True)):
        for source, kind, sampson, success, rotation, status in (
            ("ground_truth", "reference", 0.2, video == "o0", 0.5, "ok"),
            ("random_local_warp", "baseline", 0.6, False, 5.0, "ok"),
            ("static_first_frame", "baseline", 0.0, False, float("nan"), "static"),
            ("blurry_model", "model", float("nan"), False, float("nan"), "insufficient matches"),
        ):
            records.append({
                "episode_id": video, "source": source, "kind": kind, "stage": "v2w" if kind == "model" else "",
                "seconds": 0.0, "sampson_error": sampson,
                "matches_per_pair": 40.0, "pairs_with_matches": 16, "pairs": 16, "motion_px": 2.0,
                "pose_pairs": 13, "pairs_with_pose": 13, "rotation_error_deg": rotation,
                "translation_error_deg": 50.0 if pan else 10.0, "translation_defined": not pan,
                "pose_success": success, "status": status,
            })  # fmt: skip
    return pd.DataFrame(records)
