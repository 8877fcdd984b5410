"""Simulate and render one scene with pybullet (DIRECT mode, TinyRenderer: no GPU, no display)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pybullet

from cosmos_flow.simulation.camera import (
    gl_matrix_argument,
    look_at_gl,
    projection_gl,
    relative_motion,
    world_to_camera_cv,
)
from cosmos_flow.simulation.scene import ACTION_DIM, FLOOR_COLOUR, ObjectSpec, Scene
from cosmos_flow.simulation.textures import texture_file

GRAVITY = 9.81
FLOOR_HALF_SIZE = 4.0
LIGHT_DIRECTION = (0.4, -0.6, 1.0)
# A contact counts as a new impact only after the pair was apart for this long, and only if the
# bodies were approaching each other at least this fast just before: resting, rolling and rocking
# contacts flicker otherwise. A separation that lasts this long after a contact is a bounce.
IMPACT_GAP_S = 0.04
IMPACT_SPEED = 0.25


@dataclass
class RenderedView:
    """Frames of one camera resolution: rgb (T,H,W,3) uint8, depth (T,H,W) float32 m, seg (T,H,W) int32."""

    width: int
    height: int
    rgb: np.ndarray
    depth: np.ndarray
    seg: np.ndarray
    intrinsics: np.ndarray


@dataclass
class Contact:
    """The start of a contact between two bodies (object ids; -1 is the floor, -2 the ramp)."""

    frame: int  # the frame interval it happened in: between frame `frame` and `frame + 1`
    time_s: float
    body_a: int
    body_b: int
    approach_speed: float


@dataclass
class Separation:
    """Two bodies that touched came apart and stayed apart for at least IMPACT_GAP_S (a bounce)."""

    frame: int
    body_a: int
    body_b: int


@dataclass
class SimulatedEpisode:
    views: dict[int, RenderedView]  # keyed by image height
    world_to_camera: np.ndarray  # (T, 4, 4), OpenCV convention
    states: pd.DataFrame
    actions: np.ndarray  # (T, ACTION_DIM) float32
    contacts: list[Contact] = field(default_factory=list)
    separations: list[Separation] = field(default_factory=list)


FLOOR_ID, RAMP_ID = -1, -2


def simulate(
    scene: Scene, num_frames: int, fps: float, substeps: int, resolutions: list[tuple[int, int]]
) -> SimulatedEpisode:
    """Run `scene` for `num_frames` frames at `fps` (each frame `substeps` physics steps) and render
    every frame at each (width, height) in `resolutions`. Deterministic for a given scene."""
    client = pybullet.connect(pybullet.DIRECT)
    try:
        world = _World(client, scene, fps * substeps)
        return world.run(num_frames, substeps, resolutions)
    finally:
        pybullet.disconnect(client)


class _World:
    """One pybullet client holding a built scene."""

    def __init__(self, client: int, scene: Scene, physics_hz: float):
        self.client, self.scene, self.dt = client, scene, 1.0 / physics_hz
        call = self.call
        call(pybullet.resetSimulation)
        call(pybullet.setGravity, 0, 0, -GRAVITY)
        call(pybullet.setPhysicsEngineParameter, fixedTimeStep=self.dt, numSubSteps=0, deterministicOverlappingPairs=1)
        self.body_to_object: dict[int, int] = {}
        self._build_floor()
        if scene.ramp is not None:
            self._build_ramp()
        self.bodies = [self._build_object(index, spec) for index, spec in enumerate(scene.objects)]
        self.pusher_constraint = self._attach_pusher()

    def call(self, function, *args, **kwargs):
        """A pybullet function, on this world's client."""
        return function(*args, physicsClientId=self.client, **kwargs)

    # ---- building -----------------------------------------------------------------------------
    def _build_floor(self) -> None:
        half = [FLOOR_HALF_SIZE, FLOOR_HALF_SIZE, 0.05]
        colour = [*FLOOR_COLOUR[1], 1.0]
        textured = self.scene.textured_floor
        visual = self.call(
            pybullet.createVisualShape,
            pybullet.GEOM_BOX,
            halfExtents=half,
            rgbaColor=[1, 1, 1, 1] if textured else colour,
        )
        collision = self.call(pybullet.createCollisionShape, pybullet.GEOM_BOX, halfExtents=half)
        floor = self.call(pybullet.createMultiBody, 0, collision, visual, basePosition=[0, 0, -0.05])
        # The texture spans the whole 8 m floor: its blobs of 3-30 cm give features to match at 128 px.
        self.call(pybullet.changeDynamics, floor, -1, restitution=1.0, lateralFriction=0.6)
        if textured:
            texture = self.call(
                pybullet.loadTexture,
                texture_file(FLOOR_COLOUR[1], self.scene.texture_seed, size=1024, contrast=0.8, scales=(24, 96, 256)),
            )
            self.call(pybullet.changeVisualShape, floor, -1, textureUniqueId=texture)
        self.body_to_object[floor] = FLOOR_ID

    def _build_ramp(self) -> None:
        ramp = self.scene.ramp
        angle = np.radians(ramp.angle_deg)
        up_slope = np.array([-np.cos(angle), 0.0, np.sin(angle)])
        normal = np.array([np.sin(angle), 0.0, np.cos(angle)])
        centre = np.array([ramp.foot_x, 0.0, 0.0]) + 0.5 * ramp.length * up_slope - 0.5 * ramp.thickness * normal
        half = [ramp.length / 2, ramp.width / 2, ramp.thickness / 2]
        visual = self.call(
            pybullet.createVisualShape, pybullet.GEOM_BOX, halfExtents=half, rgbaColor=[0.75, 0.68, 0.55, 1]
        )
        collision = self.call(pybullet.createCollisionShape, pybullet.GEOM_BOX, halfExtents=half)
        orientation = [0.0, np.sin(angle / 2), 0.0, np.cos(angle / 2)]
        body = self.call(
            pybullet.createMultiBody, 0, collision, visual, basePosition=centre.tolist(), baseOrientation=orientation
        )
        self.call(pybullet.changeDynamics, body, -1, restitution=0.5, lateralFriction=ramp.friction)
        self.body_to_object[body] = RAMP_ID

    def _shape_arguments(self, spec: ObjectSpec) -> tuple[dict, dict]:
        if spec.shape == "sphere":
            return {"radius": spec.size[0]}, {"radius": spec.size[0]}
        if spec.shape == "box":
            return {"halfExtents": list(spec.size)}, {"halfExtents": list(spec.size)}
        radius, height = spec.size
        return {"radius": radius, "length": height}, {"radius": radius, "height": height}

    def _build_object(self, index: int, spec: ObjectSpec) -> int:
        geometry = {"sphere": pybullet.GEOM_SPHERE, "box": pybullet.GEOM_BOX, "cylinder": pybullet.GEOM_CYLINDER}[
            spec.shape
        ]
        visual_args, collision_args = self._shape_arguments(spec)
        rgba = [1, 1, 1, 1] if spec.textured else [*spec.rgb, 1.0]
        visual = self.call(pybullet.createVisualShape, geometry, rgbaColor=rgba, **visual_args)
        collision = self.call(pybullet.createCollisionShape, geometry, **collision_args)
        body = self.call(
            pybullet.createMultiBody,
            spec.mass,
            collision,
            visual,
            basePosition=list(spec.position),
            baseOrientation=list(spec.orientation),
        )
        # No damping: free flight must follow the equations of motion.
        self.call(
            pybullet.changeDynamics, body, -1,
            restitution=spec.restitution, lateralFriction=spec.friction, rollingFriction=spec.rolling_friction,
            linearDamping=0.0, angularDamping=0.0,
        )  # fmt: skip
        self.call(pybullet.resetBaseVelocity, body, list(spec.linear_velocity), list(spec.angular_velocity))
        if spec.textured:
            texture = self.call(pybullet.loadTexture, texture_file(spec.rgb, self.scene.texture_seed * 31 + index))
            self.call(pybullet.changeVisualShape, body, -1, textureUniqueId=texture)
        self.body_to_object[body] = index
        return body

    def _attach_pusher(self) -> int | None:
        """Hold the pusher with a stiff constraint that follows the effector targets frame by frame."""
        pushers = [index for index, spec in enumerate(self.scene.objects) if spec.role == "pusher"]
        if not pushers:
            return None
        body = self.bodies[pushers[0]]
        start = self.scene.effector_targets[0]
        return self.call(
            pybullet.createConstraint, body, -1, -1, -1, pybullet.JOINT_FIXED, [0, 0, 0], [0, 0, 0], list(start)
        )

    # ---- running ------------------------------------------------------------------------------
    def run(self, num_frames: int, substeps: int, resolutions: list[tuple[int, int]]) -> SimulatedEpisode:
        scene = self.scene
        for _ in range(int(round(scene.settle_s / self.dt))):
            self.call(pybullet.stepSimulation)
        views = {height: _ViewRecorder(width, height, num_frames, scene.camera.lens) for width, height in resolutions}
        world_to_camera = np.stack(
            [world_to_camera_cv(eye, target) for eye, target in zip(scene.camera.eyes, scene.camera.targets)]
        )
        lookup = self._segmentation_lookup()
        state_rows = []
        contacts = _ContactLog(self)
        for frame in range(num_frames):
            state_rows.extend(self._states(frame))
            view_gl = gl_matrix_argument(look_at_gl(scene.camera.eyes[frame], scene.camera.targets[frame]))
            for recorder in views.values():
                recorder.render(self, frame, view_gl, lookup)
            if frame == num_frames - 1:
                break
            for step in range(substeps):
                if self.pusher_constraint is not None:
                    fraction = (step + 1) / substeps
                    target = (1 - fraction) * scene.effector_targets[frame] + fraction * scene.effector_targets[
                        frame + 1
                    ]
                    self.call(pybullet.changeConstraint, self.pusher_constraint, list(target), maxForce=2000)
                velocities = self._velocities()
                self.call(pybullet.stepSimulation)
                contacts.update(frame, self.dt, velocities)
        return SimulatedEpisode(
            views={height: recorder.finish() for height, recorder in views.items()},
            world_to_camera=world_to_camera,
            states=pd.DataFrame(state_rows),
            actions=self._actions(world_to_camera, num_frames),
            contacts=contacts.impacts,
            separations=contacts.separations,
        )

    def _segmentation_lookup(self) -> np.ndarray:
        """pybullet body id -> object id; static scenery (floor, ramp) is background, -1."""
        lookup = np.full(max(self.body_to_object) + 2, -1, dtype=np.int32)
        for body, object_id in self.body_to_object.items():
            lookup[body] = max(object_id, -1)
        return lookup

    def _states(self, frame: int) -> list[dict]:
        rows = []
        for index, (spec, body) in enumerate(zip(self.scene.objects, self.bodies)):
            position, orientation = self.call(pybullet.getBasePositionAndOrientation, body)
            linear, angular = self.call(pybullet.getBaseVelocity, body)
            extent = spec.extents
            rows.append({
                "frame": frame, "object_id": index, "name": spec.name, "shape": spec.shape,
                "x": position[0], "y": position[1], "z": position[2],
                "qx": orientation[0], "qy": orientation[1], "qz": orientation[2], "qw": orientation[3],
                "vx": linear[0], "vy": linear[1], "vz": linear[2],
                "wx": angular[0], "wy": angular[1], "wz": angular[2],
                "colour": spec.colour, "role": spec.role, "mass": spec.mass,
                "extent_x": extent[0], "extent_y": extent[1], "extent_z": extent[2],
            })  # fmt: skip
        return rows

    def _velocities(self) -> np.ndarray:
        """Linear velocity of every object (rows by object id) before the next step."""
        return np.array([self.call(pybullet.getBaseVelocity, body)[0] for body in self.bodies]).reshape(-1, 3)

    def touching_pairs(self) -> dict[tuple[int, int], np.ndarray]:
        """Pairs of bodies in contact now (object ids, smaller first) -> a contact normal."""
        pairs = {}
        for point in self.call(pybullet.getContactPoints):
            a, b = self.body_to_object.get(point[1]), self.body_to_object.get(point[2])
            if a is not None and b is not None and a != b:
                pairs[(min(a, b), max(a, b))] = np.asarray(point[7])
        return pairs

    def _actions(self, world_to_camera: np.ndarray, num_frames: int) -> np.ndarray:
        actions = np.zeros((num_frames, ACTION_DIM), dtype=np.float32)
        scene = self.scene
        if scene.effector_targets is not None:
            actions[:-1, :3] = np.diff(scene.effector_targets, axis=0)
            actions[:, 3] = scene.push_flags
        for frame in range(num_frames - 1):
            actions[frame, 4:] = relative_motion(world_to_camera[frame], world_to_camera[frame + 1])
        return actions


class _ContactLog:
    """Impacts (contact onsets after a real gap, at a real speed) and bounces, from every step."""

    def __init__(self, world: _World):
        self.world = world
        self.time = 0.0
        self.touching: set[tuple[int, int]] = set()
        self.apart_since: dict[tuple[int, int], float] = {}
        self.bounce_pending: set[tuple[int, int]] = set()
        self.impacts: list[Contact] = []
        self.separations: list[Separation] = []

    def update(self, frame: int, dt: float, velocities_before: np.ndarray) -> None:
        self.time += dt
        normals = self.world.touching_pairs()
        now = set(normals)
        for pair in now - self.touching:
            if self.time - self.apart_since.get(pair, -np.inf) >= IMPACT_GAP_S:
                speed = self._approach_speed(pair, normals[pair], velocities_before)
                if speed >= IMPACT_SPEED:
                    self.impacts.append(Contact(frame, self.time, pair[0], pair[1], speed))
        for pair in self.touching - now:
            self.apart_since[pair] = self.time
            self.bounce_pending.add(pair)
        for pair in list(self.bounce_pending):
            if pair in now:
                if self.time - self.apart_since[pair] < IMPACT_GAP_S:
                    self.bounce_pending.discard(pair)  # flicker, not a bounce
            elif self.time - self.apart_since[pair] >= IMPACT_GAP_S:
                self.separations.append(Separation(frame, *pair))
                self.bounce_pending.discard(pair)
        self.touching = now

    @staticmethod
    def _approach_speed(pair: tuple[int, int], normal: np.ndarray, velocities: np.ndarray) -> float:
        """Relative speed along the contact normal: sliding or rolling along a surface is no impact."""
        moving = [velocities[i] if i >= 0 else np.zeros(3) for i in pair]
        return float(abs(np.dot(moving[0] - moving[1], normal)))


class _ViewRecorder:
    """Renders frames at one resolution into preallocated arrays."""

    def __init__(self, width: int, height: int, num_frames: int, lens):
        self.width, self.height, self.lens = width, height, lens
        self.projection = gl_matrix_argument(projection_gl(lens, width, height))
        self.rgb = np.zeros((num_frames, height, width, 3), np.uint8)
        self.depth = np.zeros((num_frames, height, width), np.float32)
        self.seg = np.zeros((num_frames, height, width), np.int32)

    def render(self, world: _World, frame: int, view_gl: list[float], lookup: np.ndarray) -> None:
        _, _, rgba, zbuffer, seg = world.call(
            pybullet.getCameraImage, self.width, self.height, view_gl, self.projection,
            renderer=pybullet.ER_TINY_RENDERER, shadow=1, lightDirection=list(LIGHT_DIRECTION),
        )  # fmt: skip
        self.rgb[frame] = np.reshape(rgba, (self.height, self.width, 4))[..., :3]
        self.depth[frame] = self.lens.depth_from_zbuffer(np.reshape(zbuffer, (self.height, self.width)))
        seg = np.reshape(np.asarray(seg, dtype=np.int64), (self.height, self.width))
        self.seg[frame] = np.where(seg >= 0, lookup[np.clip(seg, 0, len(lookup) - 1)], -1)

    def finish(self) -> RenderedView:
        return RenderedView(
            self.width, self.height, self.rgb, self.depth, self.seg, self.lens.intrinsics(self.width, self.height)
        )
