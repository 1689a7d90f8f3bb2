"""Writes image bombs into FOLDER (Debian's Python with PIL): files small on disk whose headers
claim sizes no loader should allocate, and one too large to read at all.

  make_bombs.py FOLDER
"""
import io
import struct
import sys
import zlib

from PIL import Image

folder = sys.argv[1]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# 100000 x 100000 grey pixels claimed by a 68-byte file (the size wraps at 32 bits in libpng's macro).
with open(f"{folder}/bomb-png.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00" * 8)) + chunk(b"IEND", b""))

# A real 8 x 8 JPEG whose frame header is made to claim 65500 x 65500.
buffer = io.BytesIO()
Image.new("L", (8, 8), 128).save(buffer, "JPEG", quality=90)
data = bytearray(buffer.getvalue())
sof = data.index(b"\xff\xc0")
data[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
with open(f"{folder}/bomb-jpeg.jpg", "wb") as f:
    f.write(bytes(data))

# A valid 1,000,000 x 1 strip: scaling its short side to 224 would make it 224 million wide.
Image.new("L", (1000000, 1), 200).save(f"{folder}/strip.png")

# A valid small PNG followed by 2 MiB: larger than --max_file_mb 1.
buffer = io.BytesIO()
Image.new("L", (28, 28), 100).save(buffer, "PNG")
with open(f"{folder}/padded.png", "wb") as f:
    f.write(buffer.getvalue() + b"\0" * (2 << 20))
