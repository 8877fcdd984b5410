"""Video I/O: probing, decoding, encoding and frame-accurate clip cutting.

PyAV probes and decodes in-process; the ffmpeg binary that `imageio-ffmpeg` ships does the
encoding and cutting through ffmpeg-python. No system ffmpeg is assumed. Every failure raises
`VideoError`, whose message names the file and what is wrong with it.

Frames are uint8 arrays shaped (T, H, W, 3), RGB.
"""

from cosmos_flow.video.cut import cut_clip
from cosmos_flow.video.decode import iter_frames, read_frames
from cosmos_flow.video.encode import write_video
from cosmos_flow.video.errors import VideoError
from cosmos_flow.video.probe import VideoInfo, content_hash, probe

__all__ = [
    "VideoError",
    "VideoInfo",
    "content_hash",
    "cut_clip",
    "iter_frames",
    "probe",
    "read_frames",
    "write_video",
]
