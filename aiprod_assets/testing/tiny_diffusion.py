"""A tiny, randomly initialised Wan text-to-video pipeline, built from the same diffusers and transformers
classes as the real one with shrunken configs (the way diffusers' own tests build theirs), and saved to a
folder so a backend loads it through the real from_pretrained path. Nothing is downloaded: its tokenizer
is a word-level vocabulary made here."""

from __future__ import annotations

from pathlib import Path

WORDS = ("a an the of at in on and as with lighthouse keeper climbs spiral stairs dusk lights lamp storm rolls "
         "sea courier runs neon alleys night market rain rooftop skyline mug table steam morning light style "
         "cinematic low-key lighting melancholic mood characters").split()


def save_tiny_wan(folder: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, UMT5EncoderModel

    vocabulary = {word: n for n, word in enumerate(("<pad>", "</s>", "<unk>", *WORDS))}
    words = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>")
    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(T5Config(vocab_size=len(vocabulary) + 8, d_model=32, d_kv=8, d_ff=37,
                                             num_layers=2, num_heads=4, relative_attention_num_buckets=8,
                                             pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=16, out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.save_pretrained(folder)
    return folder


# What a test renders the tiny model at: its own small size, two steps.
TINY_OPTIONS = {"width": 32, "height": 32, "fps": 8, "steps": 2, "guidance_scale": 1.0, "max_sequence_length": 16}
