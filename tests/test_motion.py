"""The camera-motion estimate's warps are torch's affine_grid + grid_sample, done in numpy (QA never
imports torch: renders may run in the device worker), and it reads the moves it is shown."""

import math

import numpy as np
import pytest

from aiprod_assets.qa import motion


def torch_warp_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    h, w = a.shape
    thetas = [[[math.cos(math.radians(angle)) / scale, -math.sin(math.radians(angle)) / scale * h / w, 0.0],
               [math.sin(math.radians(angle)) / scale * w / h, math.cos(math.radians(angle)) / scale, 0.0]]
              for scale in motion.SCALES for angle in motion.ANGLES_DEG]
    theta = torch.tensor(thetas, dtype=torch.float32)
    source = torch.from_numpy(a.astype(np.float32))[None, None].expand(len(thetas), 1, h, w)
    grid = F.affine_grid(theta, [len(thetas), 1, h, w], align_corners=False)
    warped = F.grid_sample(source, grid, align_corners=False, padding_mode="border")[:, 0].numpy()
    centre = (slice(None), slice(h // 8, h - h // 8), slice(w // 8, w - w // 8))
    return np.abs(warped[centre] - b[centre[1:]]).mean(axis=(1, 2))


def numpy_warp_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, w = a.shape
    top_left, top_right, bottom_left, bottom_right, fx, fy = motion._warp_taps(h, w)
    source = a.astype(np.float32).ravel()
    warped = ((source.take(top_left) * (1 - fx) + source.take(top_right) * fx) * (1 - fy)
              + (source.take(bottom_left) * (1 - fx) + source.take(bottom_right) * fx) * fy)
    return np.abs(warped - b[h // 8: h - h // 8, w // 8: w - w // 8]).mean(axis=(1, 2))


@pytest.mark.parametrize("shape", [(72, 160), (90, 160), (9, 7)])
def test_the_numpy_warps_are_torchs_grid_sample(shape):
    rng = np.random.default_rng(7)
    a = rng.uniform(16, 235, shape)
    b = a + rng.normal(0, 4, shape)
    np.testing.assert_allclose(numpy_warp_errors(a, b), torch_warp_errors(a, b), atol=2e-3)


def _scene(h: int = 90, w: int = 160) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return 120 + 60 * np.sin(x / 7.0) * np.cos(y / 5.0) + 30 * np.sin((x + 2 * y) / 11.0)


@pytest.mark.parametrize(("scale", "angle"), [(1.03, 0.0), (0.97, 0.0), (1.0, 0.8), (1.0, -0.4), (1.0, 0.0)])
def test_the_best_warp_is_the_one_that_made_the_next_frame(scale, angle):
    a = _scene()
    (index,) = [i for i, (s, g) in enumerate((s, g) for s in motion.SCALES for g in motion.ANGLES_DEG)
                if (s, g) == (scale, angle)]
    h, w = a.shape
    # The next frame is the scene under that warp (sampled the way torch would), so that warp fits best.
    b = torch_warped(a, index)
    assert motion._best_warp(a, b) == (scale, angle)


def torch_warped(a: np.ndarray, index: int) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    h, w = a.shape
    scale, angle = [(s, g) for s in motion.SCALES for g in motion.ANGLES_DEG][index]
    c, s = math.cos(math.radians(angle)) / scale, math.sin(math.radians(angle)) / scale
    theta = torch.tensor([[[c, -s * h / w, 0.0], [s * w / h, c, 0.0]]], dtype=torch.float32)
    grid = F.affine_grid(theta, [1, 1, h, w], align_corners=False)
    source = torch.from_numpy(a.astype(np.float32))[None, None]
    return F.grid_sample(source, grid, align_corners=False, padding_mode="border")[0, 0].numpy()
