"""A procedural scene drawn from a shot spec on a torch device, one YUV 4:2:0 frame at a time.

The world (sky, a glowing light, drifting clouds, three ridges with props) is drawn
at quarter resolution, where it is smooth anyway, then upsampled in YUV; grain and
the caption are added at full resolution. Same spec and seed give the same frames.
"""

from __future__ import annotations

import math

import numpy as np

from aiprod_assets.contracts import RenderProfile, ShotSpec
from aiprod_assets.rendering.previz.blocking import paint
from aiprod_assets.rendering.previz.camera import layer_transform
from aiprod_assets.rendering.previz.caption import (
    BOX_KEEP,
    BOX_LIFT,
    TEXT_LUMA,
    caption_mask,
)
from aiprod_assets.rendering.previz.shapes import hex_to_rgb

# The world is drawn on a grid about this wide whatever the output size, then upsampled.
WORLD_WIDTH = 256
GRAIN_FRAMES = 6
LAYER_DEPTHS = (0.35, 0.65, 0.95)
# Lighting as (gain, lift, tint RGB, vignette strength).
LIGHTING_GRADES: dict[str, tuple[float, float, tuple[float, float, float], float]] = {
    "natural": (1.0, 0.02, (1.0, 1.0, 1.0), 0.25),
    "high-key": (1.05, 0.22, (1.0, 1.0, 1.0), 0.1),
    "low-key": (0.62, 0.0, (1.0, 0.95, 0.9), 0.55),
    "golden-hour": (1.0, 0.04, (1.15, 0.95, 0.7), 0.3),
    "night": (0.45, 0.0, (0.7, 0.8, 1.2), 0.5),
    "studio": (1.0, 0.08, (1.0, 1.0, 1.0), 0.15),
    "overcast": (0.85, 0.08, (0.92, 0.95, 1.0), 0.2),
    "neon": (0.8, 0.0, (1.1, 0.85, 1.2), 0.45),
}
GRAIN_STRENGTH = {"low-key": 3.0, "night": 3.5, "neon": 3.0}
GRAIN_MAX = 6
CLOUD_DRIFT_PER_SEC = 0.02
# The light breathes a little (gain, rate in Hz): ambient life even on a static shot.
LIGHT_BREATH = (0.06, 0.7)


class PrevizScene:
    def __init__(self, spec: ShotSpec, profile: RenderProfile, seed: int, device):
        import torch
        import torch.nn.functional as F

        self.torch, self.F = torch, F
        self.spec, self.profile, self.device = spec, profile, device
        rng = np.random.default_rng(seed)
        palette = [hex_to_rgb(c) for c in (spec.palette or ["#264653", "#E76F51", "#F4F4F4"])]
        while len(palette) < 3:
            palette.append(tuple(1 - x for x in palette[-1]))
        self.colours = torch.tensor(palette, dtype=torch.float32, device=device)
        self.height, self.width = profile.height, profile.width
        downscale = max(1, round(max(self.width, self.height) / WORLD_WIDTH))
        lh, lw = max(2, self.height // downscale), max(2, self.width // downscale)
        aspect = self.width / self.height
        v, u = torch.meshgrid(torch.linspace(-0.5, 0.5, lh, device=device),
                              torch.linspace(-0.5 * aspect, 0.5 * aspect, lw, device=device), indexing="ij")
        self.u, self.v = u, v
        self.vignette = 1 - (u ** 2 + v ** 2) / (0.25 * aspect ** 2 + 0.25)
        self.grade = LIGHTING_GRADES.get(spec.lighting, LIGHTING_GRADES["natural"])
        generator = torch.Generator(device="cpu").manual_seed(seed)
        strength = GRAIN_STRENGTH.get(spec.lighting, 2.5)
        # Grain is added in uint8 as 0..2*GRAIN_MAX on top of a luma lowered by GRAIN_MAX, so it
        # stays inside legal levels without a clamp over the full frame. Independent fields, so
        # grain never reads as motion.
        self.grain = [(torch.randn(self.height, self.width, generator=generator) * strength)
                      .round_().clamp_(-GRAIN_MAX, GRAIN_MAX).add_(GRAIN_MAX).to(torch.uint8).to(device)
                      for _ in range(GRAIN_FRAMES)]
        self.tint = torch.tensor(self.grade[2], device=device)[:, None, None]
        self._caption(spec.caption)
        self._paint_layers(rng)

    def _caption(self, caption: str) -> None:
        scale = max(1, self.height // 270)
        mask = caption_mask(caption, self.width, scale)
        pad = 2 * scale
        top = self.height - mask.shape[0] - 6 * scale
        self.caption_box = (top - pad, top + mask.shape[0] + pad, 4 * scale - pad, 4 * scale + mask.shape[1] + pad)
        box = np.zeros((self.caption_box[1] - self.caption_box[0], self.caption_box[3] - self.caption_box[2]), bool)
        box[pad:pad + mask.shape[0], pad:pad + mask.shape[1]] = mask
        self.caption_mask = self.torch.from_numpy(box).to(self.device)

    def _paint_layers(self, rng: np.random.Generator) -> None:
        """Paint the world once, layer by layer, over more than any camera move can reveal."""
        torch = self.torch
        c0, c1, c2 = self.colours
        aspect = self.width / self.height
        self.extent_u, self.extent_v = 0.5 * aspect + 0.45, 0.85
        th, tw = int(self.u.shape[0] * 2.4), int(self.u.shape[1] * 2.4)
        v, u = torch.meshgrid(torch.linspace(-self.extent_v, self.extent_v, th, device=self.device),
                              torch.linspace(-self.extent_u, self.extent_u, tw, device=self.device), indexing="ij")
        opaque = torch.ones_like(u)[None]
        sky_mix = ((v + 0.5) / 1.2).clamp(0, 1)[None]
        sky = c0[:, None, None] * (1 - sky_mix) + (0.6 * c2 + 0.4 * c1)[:, None, None] * sky_mix
        lx, ly = rng.uniform(-0.5, 0.5), rng.uniform(-0.35, -0.1)
        sky = sky + c1[:, None, None] * torch.exp(-((u - lx) ** 2 + (v - ly) ** 2) / 0.004)[None] * 0.9
        layers = [torch.cat([sky, opaque])]
        clouds = torch.zeros_like(u)
        for _ in range(5):
            cx, cy = rng.uniform(-self.extent_u, self.extent_u), rng.uniform(-0.45, -0.15)
            rx, ry = rng.uniform(0.06, 0.14), rng.uniform(0.02, 0.06)
            clouds = torch.maximum(clouds, torch.exp(-((u - cx) / rx) ** 2 - ((v - cy) / ry) ** 2))
        layers.append(torch.cat([c2[:, None, None].expand_as(sky), 0.35 * clouds[None]]))
        grounds = []
        for depth in LAYER_DEPTHS:
            base = 0.05 + 0.12 * LAYER_DEPTHS.index(depth) + rng.uniform(-0.03, 0.03)
            ridge = base + sum(rng.uniform(0.02, 0.06) * torch.sin(rng.uniform(2, 9) * u + rng.uniform(0, 6.283))
                               for _ in range(3))
            colour = (c0 * (0.25 + 0.55 * (1 - depth)) + c1 * (0.2 * (1 - depth)))[:, None, None].expand_as(sky)
            alpha = torch.sigmoid((v - ridge) * 300)[None]
            layers.append(torch.cat([colour, alpha]))
            grounds.append(base)
        named = dict(zip(("clouds", "far", "mid", "near"), layers[1:], strict=True))
        self.drawn = paint(torch, named, dict.fromkeys(named, (u, v)),
                           {"clouds": grounds[0], "far": grounds[0], "mid": grounds[1], "near": grounds[2]},
                           self.spec, self.colours, rng)
        if not self.drawn:  # a prompt that names nothing drawable still gets a skyline of towers
            colour, alpha = self._paint_props(rng, u, v, grounds[2], layers[-1][:3].clone(), layers[-1][3:])
            layers[-1] = torch.cat([colour, alpha])
        self.layers = torch.stack(layers)

    def _paint_props(self, rng, u, v, base, colour, alpha):
        """Towers on the nearest ridge in the palette's second colour, each with a lit window."""
        torch = self.torch
        c0, c1, _ = self.colours
        for _ in range(3):
            px, half_w, height = rng.uniform(-0.7, 0.7), rng.uniform(0.03, 0.07), rng.uniform(0.12, 0.3)
            accent = self.colours[int(rng.integers(0, 3))]
            tower = ((u - px).abs() < half_w) & (v > base - height)
            window = ((u - px).abs() < half_w * 0.35) & ((v - (base - height * 0.8)).abs() < 0.015)
            colour = torch.where(tower[None], (c1 * 0.55 + c0 * 0.2)[:, None, None], colour)
            colour = torch.where(window[None], (accent * 1.2)[:, None, None], colour)
            alpha = torch.where(tower[None], torch.ones_like(alpha), alpha)
        return colour, alpha

    def _world(self, t: float, progress: float):
        torch, F = self.torch, self.F
        depths = (0.05, 0.05) + LAYER_DEPTHS
        grids = []
        for k, depth in enumerate(depths):
            u, v = self._to_world(layer_transform(self.spec.camera_move, progress, depth))
            if k == 1:
                u = u + CLOUD_DRIFT_PER_SEC * t  # clouds drift whatever the camera does
            grids.append(torch.stack([u / self.extent_u, v / self.extent_v], dim=-1))
        sampled = F.grid_sample(self.layers, torch.stack(grids), mode="bilinear", padding_mode="border",
                                align_corners=True)
        image = sampled[0, :3]
        for layer in sampled[1:]:
            alpha = layer[3:4]
            image = image + (layer[:3] - image) * alpha
        return image

    def _to_world(self, transform):
        cos_a, sin_a = math.cos(transform.angle), math.sin(transform.angle)
        u = (cos_a * self.u - sin_a * self.v) * transform.scale + transform.shift_u
        v = (sin_a * self.u + cos_a * self.v) * transform.scale + transform.shift_v
        return u, v

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a (height * 3 / 2, width) uint8 array of Y, U and V planes."""
        torch, F = self.torch, self.F
        frames = max(1, self.spec.frames - 1)
        rgb = self._world(index / self.profile.fps, index / frames)
        gain, lift, _, vignette = self.grade
        gain *= 1 + LIGHT_BREATH[0] * math.sin(2 * math.pi * LIGHT_BREATH[1] * index / self.profile.fps)
        rgb = (rgb * gain * self.tint * (1 - vignette * (1 - self.vignette))[None] + lift).clamp(0, 1)
        r, g, b = rgb
        # BT.709 limited range.
        y = 16 + 219 * (0.2126 * r + 0.7152 * g + 0.0722 * b)
        cb = 128 + 224 * (-0.1146 * r - 0.3854 * g + 0.5 * b)
        cr = 128 + 224 * (0.5 * r - 0.4542 * g - 0.0458 * b)
        low = torch.stack([(y - GRAIN_MAX).clamp_(16, 235 - 2 * GRAIN_MAX), cb.clamp_(16, 240), cr.clamp_(16, 240)])
        low = low.add_(0.5).to(torch.uint8)[None].contiguous(memory_format=torch.channels_last)
        # uint8 channels-last bilinear takes torch's vectorized resize path: several times a float resize.
        full = F.interpolate(low, size=(self.height, self.width), mode="bilinear", align_corners=False,
                             antialias=True)[0]
        area = self.height * self.width
        out = torch.empty(self.height * 3 // 2, self.width, dtype=torch.uint8, device=self.device)
        flat = out.view(-1)
        luma = flat[:area].view(self.height, self.width)
        torch.add(full[0], self.grain[index % GRAIN_FRAMES], out=luma)
        flat[area:].view(2, self.height // 2, self.width // 2).copy_(full[1:, ::2, ::2])
        top, bottom, left, right = self.caption_box
        region = luma[top:bottom, left:right].float()
        luma[top:bottom, left:right] = torch.where(self.caption_mask, float(TEXT_LUMA),
                                                   region * BOX_KEEP + BOX_LIFT).to(torch.uint8)
        return out.cpu().numpy()
