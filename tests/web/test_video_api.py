import dataclasses

from fastapi.testclient import TestClient

from chromalab.web import create_app
from tests.videos import make_video, probe


def post(client, data: bytes, name="clip.mp4", **form):
    return client.post("/api/colorize-video", files={"video": (name, data, "video/mp4")},
                       data={"model": "tiny", **form})


def test_video_is_colorized_with_frames_and_audio_kept(client, tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=8)
    res = post(client, src.read_bytes(), temporal="true")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "video/mp4" and "clip_color.mp4" in res.headers["content-disposition"]
    out = tmp_path / "out.mp4"
    out.write_bytes(res.content)
    assert probe(out)["frames"] == 8 and probe(out)["audio"] == [("aac", 22050)]


def test_limits_and_bad_videos(settings, tmp_path):
    src = make_video(tmp_path / "clip.mp4", frames=8, size=(48, 32), fps=4)
    tight = dataclasses.replace(settings, max_video_seconds=1.0, max_video_pixels=1000)
    with TestClient(create_app(tight)) as c:
        res = post(c, src.read_bytes())
        assert res.status_code == 413 and "pixels" in res.json()["detail"]
    with TestClient(create_app(dataclasses.replace(settings, max_video_seconds=1.0))) as c:
        res = post(c, src.read_bytes())
        assert res.status_code == 413 and "s is over" in res.json()["detail"]
        assert post(c, b"not a video").status_code == 415
        assert post(c, src.read_bytes(), model="nope").status_code == 404
        big = c.post("/api/colorize-video", files={"video": ("x.mp4", b"0" * (settings.max_upload_bytes + 100_000))})
        assert big.status_code == 415  # over the photos' byte limit, under the videos': read, then not a video


def test_videos_have_their_own_byte_limit(settings, tmp_path):
    data = make_video(tmp_path / "clip.mp4", frames=8).read_bytes()
    assert len(data) > 1000
    # photos may be smaller than this video, and it still goes through: the video limit is its own
    small_photos = dataclasses.replace(settings, max_upload_bytes=1000, max_video_upload_bytes=len(data) + 10)
    with TestClient(create_app(small_photos)) as c:
        assert post(c, data).status_code == 200
    tight = dataclasses.replace(settings, max_video_upload_bytes=len(data) - 10)
    with TestClient(create_app(tight)) as c:
        res = post(c, data)  # under the middleware's cut (video + reference allowance), over the video limit
        assert res.status_code == 413 and f"over {len(data) - 10} bytes" in res.json()["detail"]
        huge = b"0" * (tight.max_video_upload_bytes + 2 * tight.max_upload_bytes + 200_000)
        assert c.post("/api/colorize-video", files={"video": ("x.mp4", huge)}).status_code == 413


def test_without_the_video_extra_the_answer_names_it(client, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "av" else real(name, *a))
    res = post(client, make_video(tmp_path / "clip.mp4", frames=2).read_bytes())
    assert res.status_code == 501 and "pip install 'chromalab[video]'" in res.json()["detail"]
