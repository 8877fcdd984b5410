"""Cameras: intrinsics, OpenGL view/projection matrices for pybullet, and the OpenCV extrinsics.

World frame: z up, metres. Camera frame (OpenCV): x right, y down, z forward. Pixel (u, v) has
its centre at integer coordinates (column u, row v of the image arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# OpenGL camera looks down -z with y up; OpenCV looks down +z with y down.
GL_TO_CV = np.diag([1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True)
class Lens:
    """A pinhole with a vertical field of view and clipping planes (metres)."""

    fov_deg: float = 50.0
    near: float = 0.05
    far: float = 20.0

    def intrinsics(self, width: int, height: int) -> np.ndarray:
        """K for a width x height image as pybullet's TinyRenderer rasterizes it.

        The principal point is where TinyRenderer puts it in array indices, measured (not the
        textbook (W/2 - 0.5, H/2 - 0.5)): the centroids of 185 unoccluded sphere masks sat
        +0.50 px right and -0.49 px up of that point (spread 0.1 px), i.e. at (W/2, H/2 - 1);
        its vertical flip of the image costs one row.
        """
        focal = 0.5 * height / np.tan(np.radians(self.fov_deg) / 2)
        return np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2 - 1.0], [0.0, 0.0, 1.0]])

    def depth_from_zbuffer(self, zbuffer: np.ndarray) -> np.ndarray:
        """Metric depth along the optical axis from pybullet's nonlinear [0, 1] z-buffer."""
        zbuffer = np.asarray(zbuffer, dtype=np.float64)
        return (self.far * self.near / (self.far - (self.far - self.near) * zbuffer)).astype(np.float32)


def look_at_gl(eye: np.ndarray, target: np.ndarray, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """The OpenGL view matrix (world -> GL camera), 4x4, row-major."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-9:  # looking straight along `up`: any right vector will do
        right = np.cross(forward, (0.0, 1.0, 0.0))
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = right, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def world_to_camera_cv(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World -> OpenCV camera, 4x4."""
    return GL_TO_CV @ look_at_gl(eye, target)


def gl_matrix_argument(matrix: np.ndarray) -> list[float]:
    """A 4x4 row-major matrix as the column-major flat list pybullet expects."""
    return [float(value) for value in np.asarray(matrix).T.reshape(-1)]


def projection_gl(lens: Lens, width: int, height: int) -> np.ndarray:
    """The OpenGL projection matrix for `lens` at this aspect ratio, 4x4 row-major."""
    aspect = width / height
    top = lens.near * np.tan(np.radians(lens.fov_deg) / 2)
    right = top * aspect
    near, far = lens.near, lens.far
    return np.array(
        [
            [near / right, 0.0, 0.0, 0.0],
            [0.0, near / top, 0.0, 0.0],
            [0.0, 0.0, -(far + near) / (far - near), -2 * far * near / (far - near)],
            [0.0, 0.0, -1.0, 0.0],
        ]
    )


def project(
    points_world: np.ndarray, intrinsics: np.ndarray, world_to_camera: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) and camera depths (N,) of world points (N, 3)."""
    points = np.asarray(points_world, dtype=np.float64).reshape(-1, 3)
    camera = (world_to_camera[:3, :3] @ points.T + world_to_camera[:3, 3:4]).T
    pixels = (intrinsics @ camera.T).T
    return pixels[:, :2] / pixels[:, 2:3], camera[:, 2]


def relative_motion(world_to_camera_a: np.ndarray, world_to_camera_b: np.ndarray) -> np.ndarray:
    """Camera motion from pose a to pose b as 6 numbers: translation then axis-angle rotation,
    expressed in camera a's frame (the transform taking camera-a coordinates to camera-b's)."""
    relative = world_to_camera_b @ np.linalg.inv(world_to_camera_a)
    rotation = relative[:3, :3]
    angle = np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1.0, 1.0))
    if angle < 1e-9:
        axis_angle = np.zeros(3)
    else:
        axis = np.array(
            [rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0], rotation[1, 0] - rotation[0, 1]]
        )
        axis_angle = axis / (2 * np.sin(angle)) * angle
    return np.concatenate([relative[:3, 3], axis_angle])
