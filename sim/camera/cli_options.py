"""The camera's options of `waterpatrol sim`, and the payloads it puts on each vehicle.

sim/cli.py (the SITL's command) calls `add_arguments(parser)` while building its parser and
`payloads(args, site, sysid)` when it starts each vehicle. Without --world there is no camera.
"""
from __future__ import annotations

import argparse

DEFAULT_FRAMES = "tcp://127.0.0.1:5600"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("camera", "a gimballed camera on every vehicle, filming a world of planted objects")
    g.add_argument("--world", metavar="WORLD.yaml",
                   help="world file of planted objects (nets, boats, swimmers, dumping...); turns the camera on. "
                        "'default' takes the bundled world of an example site (sim/worlds/)")
    g.add_argument("--frames", default=DEFAULT_FRAMES, metavar="ENDPOINT",
                   help=f"ZeroMQ endpoint the frames are published on, PUB bound here (default {DEFAULT_FRAMES}); "
                        "format: docs/frames.md")
    g.add_argument("--fps", type=float, default=1.0, help="frames per simulated second per vehicle (default 1)")
    g.add_argument("--jpeg-quality", type=int, default=85, help="JPEG quality of the frames, 1-100 (default 85)")
    g.add_argument("--camera-workers", type=int, default=default_workers(), metavar="N",
                   help=f"render processes (default {default_workers()}; 0: a thread of the simulator's process)")


def default_workers() -> int:
    import os
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def load_world_arg(value: str, site):
    from missions.errors import UserError
    from sim.world import default_world_path
    from sim.world.loader import load_world
    if value == "default":
        path = default_world_path(site)
        if path is None:
            raise UserError(f"--world default: no bundled world for site {site.source!r}; give a world file")
        return load_world(path, site)
    return load_world(value, site)


def payloads(args, site, sysid: int) -> list:
    """A camera payload for vehicle `sysid`, or none when no --world was given."""
    if not getattr(args, "world", None):
        return []
    from missions.errors import UserError

    from .stream import CameraPayload, shared_service
    import math
    if not 1 <= int(args.jpeg_quality) <= 100:
        raise UserError(f"--jpeg-quality {args.jpeg_quality}: must be 1 to 100")
    if not (args.fps > 0 and math.isfinite(args.fps)):
        raise UserError(f"--fps {args.fps}: must be a positive number of frames per simulated second")
    if not 0 <= args.camera_workers <= 64:
        raise UserError(f"--camera-workers {args.camera_workers}: must be 0 to 64")
    world = load_world_arg(args.world, site)
    service = shared_service(site, world, args.frames, args.jpeg_quality, args.camera_workers)
    if service.users == 1:
        print(f"  camera: {world.name} ({len(world.anomalies())} anomalies planted), {args.fps:g} frame(s) per "
              f"simulated second per vehicle on {service.endpoint} (docs/frames.md)", flush=True)
    return [CameraPayload(service, sysid, args.fps)]
