"""Frames with their pose: sources (the SITL's ZeroMQ stream, any OpenCV video) and the pipeline hooks."""
from .frame import Frame, FrameError, FramePose, Intrinsics
from .pipeline import FramePipeline
from .pose_history import PoseHistory


def open_source(spec: str, **video):
    """`tcp://...` / `ipc://...` is the SITL's ZeroMQ stream; anything else is handed to OpenCV (RTSP, a file)."""
    if spec.startswith(("tcp://", "ipc://", "inproc://")):
        from .zmq_source import ZmqFrameSource
        return ZmqFrameSource(spec)
    from .video_source import VideoFrameSource
    return VideoFrameSource(spec, **video)


__all__ = ["Frame", "FrameError", "FramePose", "Intrinsics", "FramePipeline", "PoseHistory", "open_source"]
