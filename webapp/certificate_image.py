"""A certificate as a PNG the holder can download and print (A4 portrait at 150 dpi).

Drawn with Pillow; the QR code links to the public verification page. Chinese needs a CJK
font: WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) or Noto CJK when present,
otherwise Pillow's built-in font (Latin only) so the download never fails.
"""
from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
         "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
WIDTH, HEIGHT = 1240, 1754
RED, INK, GOLD = (185, 28, 28), (31, 41, 51), (183, 121, 31)


def _font(size: int):
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if draw.textlength(current + ch, font=font) > width and current:
            lines.append(current)
            current = ch
        else:
            current += ch
    return lines + ([current] if current else [])


def render_png(title: str, issuer: str, rows: list[tuple[str, str]], verify_url: str, caption: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, WIDTH - 40, HEIGHT - 40), outline=GOLD, width=8)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=GOLD, width=2)
    big, label, value = _font(64), _font(30), _font(34)
    draw.text((WIDTH / 2, 200), title, fill=RED, font=big, anchor="mm")
    draw.text((WIDTH / 2, 290), issuer, fill=INK, font=label, anchor="mm")
    draw.line((160, 350, WIDTH - 160, 350), fill=RED, width=3)
    y = 420
    for name, text in rows:
        draw.text((160, y), name, fill=(97, 110, 124), font=label)
        for line in _wrap(draw, text or "—", value, WIDTH - 560) or ["—"]:
            draw.text((480, y - 2), line, fill=INK, font=value)
            y += 52
        y += 24
    qr = qrcode.make(verify_url, box_size=10, border=2).get_image().convert("RGB").resize((320, 320))
    image.paste(qr, (WIDTH - 160 - 320, HEIGHT - 520))
    draw.text((WIDTH - 160 - 160, HEIGHT - 180), caption, fill=INK, font=label, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
