"""Physics worlds with full ground truth: seeded rigid-body scenes rendered headless with pybullet.

Every episode carries its video and everything true about it: lossless RGB, metric depth,
per-object segmentation, camera intrinsics and per-frame extrinsics (OpenCV convention), object
states, actions and a caption generated from the scene program and the simulator's contacts.
"""
