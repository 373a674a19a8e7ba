#!/usr/bin/env python3
"""Writes the WebP and orientation fixtures of embeddings-core's ImageDecoderTest with PIL, the
reference the tests compare against: how PIL (libwebp underneath) decodes each file, and what
`ImageOps.exif_transpose` makes of a file with an EXIF orientation.

    /usr/bin/python3 scripts/images/make_fixtures.py [--out embeddings-core/src/test/resources/images]

Needs Debian's python3-pil (9.4, built with libwebp 1.2.4). Every input is drawn from a seeded
generator, so a rerun writes the same pixels.
"""
import argparse
import pathlib
import random

from PIL import Image, ImageOps


def pattern(width, height, seed, alpha=False):
    """Smooth gradients plus a few flat blocks: lossy codecs keep them close, and every
    orientation of it is different."""
    rnd = random.Random(seed)
    image = Image.new("RGBA" if alpha else "RGB", (width, height))
    px = image.load()
    blocks = [(rnd.randrange(width), rnd.randrange(height), rnd.randrange(1 << 24))
              for _ in range(4)]
    for y in range(height):
        for x in range(width):
            r = 255 * x // (width - 1)
            g = 255 * y // (height - 1)
            b = (r + 2 * g) // 3
            for bx, by, c in blocks:
                if bx <= x < bx + 6 and by <= y < by + 6:
                    r, g, b = c >> 16, (c >> 8) & 255, c & 255
            if alpha:
                a = 255 if x < width // 3 else (0 if x >= 2 * width // 3 else 128)
                px[x, y] = (r, g, b, a)
            else:
                px[x, y] = (r, g, b)
    return image


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[274] = value
    return exif.tobytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="embeddings-core/src/test/resources/images")
    out = pathlib.Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)

    rgb = pattern(40, 30, 1)
    rgb.save(out / "source.png")
    rgb.save(out / "lossless.webp", lossless=True)
    rgb.save(out / "lossy.webp", quality=90)
    # PIL's decoding of the lossy file: the reference for ours.
    Image.open(out / "lossy.webp").convert("RGB").save(out / "lossy.pil.png")

    rgba = pattern(40, 30, 2, alpha=True)
    rgba.save(out / "alpha.webp", lossless=True)
    rgba.save(out / "alpha.png")

    # Stored sideways with orientation 6 ("turn a quarter clockwise to view"), and what PIL's
    # exif_transpose shows.
    stored = pattern(40, 30, 3)
    stored.save(out / "orientation6.webp", lossless=True, exif=exif_with_orientation(6))
    stored.save(out / "orientation8.tif", exif=exif_with_orientation(8))
    upright = ImageOps.exif_transpose(Image.open(out / "orientation6.webp")).convert("RGB")
    upright.save(out / "orientation6-webp.upright.png")
    # PIL 9.4 reads a TIFF through libtiff, which turns it by the tag as it loads (and keeps the
    # tag, so exif_transpose would turn it a second time): the loaded image is the upright one.
    upright = Image.open(out / "orientation8.tif")
    upright.load()
    assert upright.size == (30, 40), upright.size
    upright.convert("RGB").save(out / "orientation8-tif.upright.png")
    stored.save(out / "orientation-stored.png")


if __name__ == "__main__":
    main()
