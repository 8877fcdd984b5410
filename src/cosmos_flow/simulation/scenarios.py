"""Scenario families: seeded generators of scenes (plain data; engine.py simulates them).

drop: objects fall onto the floor. collide: a ball rolls into resting objects. ramp: objects roll
or slide down an inclined plane. push: a pusher driven by per-frame actions pushes objects.
orbit: a static textured scene filmed by a moving camera.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cosmos_flow.simulation.camera import Lens
from cosmos_flow.simulation.scene import PALETTE, CameraPath, ObjectSpec, Ramp, Scene

CAMERA_MOTIONS = ("static", "orbit", "dolly", "pan")


# ---- helpers ----------------------------------------------------------------------------------
def _quaternion(axis: tuple[float, float, float], angle: float) -> tuple[float, float, float, float]:
    axis = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    half = angle / 2
    return (*(np.sin(half) * axis).tolist(), float(np.cos(half)))


def _compose(first, then) -> tuple[float, float, float, float]:
    """Quaternion of rotating by `first`, then by `then` (x, y, z, w)."""
    x1, y1, z1, w1 = then
    x2, y2, z2, w2 = first
    return (
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
    )


def _random_size(rng: np.random.Generator, shape: str) -> tuple[float, ...]:
    if shape == "sphere":
        return (float(rng.uniform(0.07, 0.13)),)
    if shape == "box":
        return tuple(float(v) for v in rng.uniform(0.06, 0.11, size=3))
    return (float(rng.uniform(0.06, 0.10)), float(rng.uniform(0.12, 0.24)))


def _footprint(shape: str, size: tuple[float, ...]) -> float:
    """A radius in the floor plane that contains the object whatever its yaw."""
    if shape == "box":
        return float(np.hypot(size[0], size[1]))
    return float(size[0])


def _resting_height(shape: str, size: tuple[float, ...]) -> float:
    """Height of the centre of an upright object resting on the floor."""
    if shape == "sphere":
        return size[0]
    if shape == "box":
        return size[2]
    return size[1] / 2


def _place_apart(
    rng, radii: list[float], half_range: float, centre=(0.0, 0.0), gap: float = 0.04
) -> list[tuple[float, float]]:
    """Floor positions for discs of `radii` that don't overlap (rejection sampling, seeded); the
    area grows a little after every 200 failed tries, so crowded draws still get placed."""
    for attempt in range(2000):
        spread = half_range * (1 + 0.1 * (attempt // 200))
        points = [tuple(np.asarray(centre) + rng.uniform(-spread, spread, size=2)) for _ in radii]
        if all(
            np.hypot(p[0] - q[0], p[1] - q[1]) >= ri + rj + gap
            for i, (p, ri) in enumerate(zip(points, radii))
            for q, rj in zip(points[i + 1 :], radii[i + 1 :])
        ):
            return [(float(p[0]), float(p[1])) for p in points]
    raise RuntimeError(f"could not place {len(radii)} objects apart within {half_range} m of {centre}")


def camera_path(
    kind: str, rng, num_frames: int, target, distance: float, yaw_deg: float, pitch_deg: float, lens: Lens | None = None
) -> CameraPath:
    """A camera looking at `target` from `distance`, `yaw_deg` around z and `pitch_deg` above the
    floor, moving by `kind`: static, orbit (around the target), dolly (towards or away from it) or
    pan (turning in place). Direction and amount are drawn from `rng`."""
    if kind not in CAMERA_MOTIONS:
        raise ValueError(f"unknown camera motion {kind!r}; choose one of {CAMERA_MOTIONS}")
    progress = np.linspace(0.0, 1.0, num_frames)[:, None]
    target = np.asarray(target, dtype=np.float64)
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    sign = float(rng.choice([-1.0, 1.0])) if kind != "static" else 1.0

    def eye_at(yaw_value, distance_value):
        direction = np.stack(
            [
                np.cos(pitch) * np.cos(yaw_value),
                np.cos(pitch) * np.sin(yaw_value),
                np.full_like(yaw_value, np.sin(pitch)),
            ],
            axis=-1,
        )
        return target + distance_value[..., None] * direction

    yaws = np.full(num_frames, yaw)
    distances = np.full(num_frames, distance)
    targets = np.repeat(target[None], num_frames, axis=0)
    if kind == "orbit":
        yaws = yaw + sign * np.radians(rng.uniform(20, 40)) * progress[:, 0]
    elif kind == "dolly":
        distances = distance * (1 + sign * rng.uniform(0.2, 0.35) * progress[:, 0])
    eyes = eye_at(yaws, distances)
    if kind == "pan":
        sweep = sign * np.radians(rng.uniform(10, 20)) * progress[:, 0]
        look = target - eyes[0]
        rotated = np.stack(
            [
                np.cos(sweep) * look[0] - np.sin(sweep) * look[1],
                np.sin(sweep) * look[0] + np.cos(sweep) * look[1],
                np.full(num_frames, look[2]),
            ],
            axis=-1,
        )
        targets = eyes + rotated
    return CameraPath(eyes=eyes, targets=targets, motion=kind, lens=lens or Lens())


def _distinct_colours(rng, count: int) -> list[str]:
    return [str(name) for name in rng.choice(list(PALETTE), size=count, replace=False)]


# ---- families ---------------------------------------------------------------------------------
def drop_scene(rng, num_frames: int, camera_motion: str = "static") -> Scene:
    count = int(rng.integers(1, 4))
    shapes = [str(s) for s in rng.choice(["sphere", "box", "cylinder"], size=count)]
    sizes = [_random_size(rng, shape) for shape in shapes]
    footprints = [max(_footprint(shape, size), _resting_height(shape, size)) for shape, size in zip(shapes, sizes)]
    spots = _place_apart(rng, footprints, 0.3)
    objects = []
    for shape, size, colour, (x, y) in zip(shapes, sizes, _distinct_colours(rng, count), spots):
        tilt = (
            _quaternion(rng.normal(size=3), float(rng.uniform(0, 0.6))) if shape != "sphere" else (0.0, 0.0, 0.0, 1.0)
        )
        objects.append(ObjectSpec(
            shape=shape, size=size, colour=colour, position=(x, y, float(rng.uniform(0.4, 1.1))), orientation=tilt,
            mass=float(rng.uniform(0.2, 2.0)),
            restitution=float(rng.uniform(0.2, 0.9) if shape == "sphere" else rng.uniform(0.05, 0.5)),
            friction=float(rng.uniform(0.3, 0.9)),
        ))  # fmt: skip
    camera = camera_path(camera_motion, rng, num_frames, (0, 0, 0.3), 1.6, rng.uniform(-120, -60), rng.uniform(15, 30))
    return Scene("drop", objects, camera)


def collide_scene(rng, num_frames: int, camera_motion: str = "static") -> Scene:
    colours = _distinct_colours(rng, 4)
    radius = float(rng.uniform(0.07, 0.11))
    speed = float(rng.uniform(1.2, 2.4))
    striker = ObjectSpec(
        "sphere", (radius,), colours[0], position=(-0.7, float(rng.uniform(-0.05, 0.05)), radius),
        mass=float(rng.uniform(0.5, 2.0)), restitution=0.6, friction=0.4,
        linear_velocity=(speed, 0.0, 0.0), angular_velocity=(0.0, speed / radius, 0.0),
    )  # fmt: skip
    objects = [striker]
    if rng.random() < 0.5:  # billiard: a few objects scattered ahead of the striker
        count = int(rng.integers(1, 4))
        shapes = [str(s) for s in rng.choice(["sphere", "box", "cylinder"], size=count)]
        sizes = [_random_size(rng, shape) for shape in shapes]
        spots = _place_apart(rng, [_footprint(s, z) for s, z in zip(shapes, sizes)], 0.15, centre=(0.2, 0.0))
        for shape, size, colour, (x, y) in zip(shapes, sizes, colours[1:], spots):
            yaw = _quaternion((0, 0, 1), float(rng.uniform(0, np.pi)))
            objects.append(
                ObjectSpec(
                    shape,
                    size,
                    colour,
                    (x, y, _resting_height(shape, size)),
                    yaw,
                    mass=float(rng.uniform(0.2, 1.5)),
                    restitution=0.4,
                    friction=0.5,
                )
            )
    else:  # a stack of boxes in the striker's path
        height = 0.0
        for colour in colours[1 : 1 + int(rng.integers(2, 4))]:
            half = float(rng.uniform(0.06, 0.09))
            objects.append(
                ObjectSpec(
                    "box",
                    (half, half, half),
                    colour,
                    (0.15, float(rng.uniform(-0.01, 0.01)), height + half),
                    mass=0.3,
                    restitution=0.2,
                    friction=0.6,
                )
            )
            height += 2 * half
    camera = camera_path(
        camera_motion, rng, num_frames, (-0.2, 0, 0.12), 1.6, rng.uniform(-110, -70), rng.uniform(20, 35)
    )
    return Scene("collide", objects, camera, settle_s=0.0)


def ramp_scene(rng, num_frames: int, camera_motion: str = "static") -> Scene:
    ramp = Ramp(angle_deg=float(rng.uniform(15, 35)), friction=float(rng.uniform(0.1, 0.8)))
    angle = np.radians(ramp.angle_deg)
    up_slope = np.array([-np.cos(angle), 0.0, np.sin(angle)])
    normal = np.array([np.sin(angle), 0.0, np.cos(angle)])
    on_slope = _quaternion((0, 1, 0), angle)
    count = int(rng.integers(1, 3))
    lanes = rng.permutation([-0.2, 0.0, 0.2])[:count]
    objects = []
    for colour, lane in zip(_distinct_colours(rng, count), lanes):
        shape = str(rng.choice(["sphere", "box", "cylinder"]))
        size = _random_size(rng, shape)
        orientation = on_slope
        if shape == "sphere":
            offset = size[0]
        elif shape == "box":
            offset = size[2]
        else:  # a cylinder lying across the slope rolls down it
            orientation = _compose(_quaternion((1, 0, 0), np.pi / 2), on_slope)
            offset = size[0]
        distance_up = float(rng.uniform(0.75, 1.0))
        centre = np.array([ramp.foot_x, lane, 0.0]) + distance_up * up_slope + (offset + 0.002) * normal
        objects.append(
            ObjectSpec(
                shape,
                size,
                colour,
                tuple(centre.tolist()),
                orientation,
                mass=float(rng.uniform(0.3, 1.5)),
                restitution=0.2,
                friction=ramp.friction,
            )
        )
    camera = camera_path(
        camera_motion, rng, num_frames, (-0.15, 0, 0.25), 1.8, rng.uniform(-105, -75), rng.uniform(15, 25)
    )
    return Scene("ramp", objects, camera, ramp=ramp)


def push_scene(rng, num_frames: int, camera_motion: str = "static") -> Scene:
    count = int(rng.integers(1, 3))
    shapes = [str(s) for s in rng.choice(["box", "cylinder", "box"], size=count)]
    sizes = [_random_size(rng, shape) for shape in shapes]
    spots = _place_apart(rng, [_footprint(s, z) for s, z in zip(shapes, sizes)], 0.2)
    objects = [
        ObjectSpec(
            shape,
            size,
            colour,
            (x, y, _resting_height(shape, size)),
            _quaternion((0, 0, 1), float(rng.uniform(0, np.pi))),
            mass=float(rng.uniform(0.2, 1.0)),
            restitution=0.1,
            friction=float(rng.uniform(0.3, 0.7)),
        )
        for shape, size, colour, (x, y) in zip(shapes, sizes, _distinct_colours(rng, count), spots)
    ]
    # The pusher starts behind the first object, clear of the others, and strokes through it.
    pusher_half = (0.05, 0.05, 0.08)
    goal = np.array([*spots[0], 0.0])
    for _ in range(100):
        heading = float(rng.uniform(0, 2 * np.pi))
        direction = np.array([np.cos(heading), np.sin(heading), 0.0])
        start = goal - (0.25 + _footprint(shapes[0], sizes[0])) * direction
        clear = all(
            np.hypot(*(start[:2] - np.asarray(spot))) > _footprint(shape, size) + 0.12
            for spot, shape, size in zip(spots[1:], shapes[1:], sizes[1:])
        )
        if clear:
            break
    start[2] = pusher_half[2] + 0.01
    wait = int(rng.integers(1, max(2, num_frames // 4)))
    speed_per_frame = float(rng.uniform(0.03, 0.06))
    steps = np.clip(np.arange(num_frames) - wait, 0, None)
    targets = start[None, :] + steps[:, None] * speed_per_frame * direction[None, :]
    flags = (np.arange(num_frames) >= wait).astype(np.float32)
    pusher = ObjectSpec(
        "box",
        pusher_half,
        "dark grey",
        tuple(start.tolist()),
        _quaternion((0, 0, 1), heading),
        mass=5.0,
        restitution=0.0,
        friction=0.5,
        role="pusher",
    )
    camera = camera_path(camera_motion, rng, num_frames, (0, 0, 0.08), 1.3, rng.uniform(-130, -50), rng.uniform(35, 50))
    return Scene("push", [*objects, pusher], camera, effector_targets=targets, push_flags=flags, settle_s=0.3)


def orbit_scene(rng, num_frames: int, camera_motion: str | None = None) -> Scene:
    count = int(rng.integers(3, 6))
    shapes = [str(s) for s in rng.choice(["sphere", "box", "cylinder"], size=count)]
    sizes = [_random_size(rng, shape) for shape in shapes]
    spots = _place_apart(rng, [_footprint(s, z) for s, z in zip(shapes, sizes)], 0.35)
    objects = [
        ObjectSpec(
            shape,
            size,
            colour,
            (x, y, _resting_height(shape, size)),
            _quaternion((0, 0, 1), float(rng.uniform(0, np.pi))),
            mass=1.0,
            textured=True,
        )
        for shape, size, colour, (x, y) in zip(shapes, sizes, _distinct_colours(rng, count), spots)
    ]
    kind = (
        camera_motion if camera_motion not in (None, "static") else str(rng.choice(["orbit", "orbit", "dolly", "pan"]))
    )
    camera = camera_path(kind, rng, num_frames, (0, 0, 0.1), 1.5, rng.uniform(-180, 180), rng.uniform(35, 50))
    return Scene("orbit", objects, camera, textured_floor=True, texture_seed=int(rng.integers(0, 2**31)), settle_s=0.2)


SCENARIOS: dict[str, Callable[..., Scene]] = {
    "drop": drop_scene,
    "collide": collide_scene,
    "ramp": ramp_scene,
    "push": push_scene,
    "orbit": orbit_scene,
}


def make_scene(scenario: str, seed: int, num_frames: int, camera_motion: str | None = None) -> Scene:
    """The scene of `scenario` for `seed`; `camera_motion` None keeps the family's default."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {sorted(SCENARIOS)}")
    rng = np.random.default_rng(seed)
    if camera_motion is None:
        return SCENARIOS[scenario](rng, num_frames)
    return SCENARIOS[scenario](rng, num_frames, camera_motion)
