#include "tests/tools/seal_picture.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace sealbridge::tools {
namespace {

std::uint32_t crc32(byte_view data, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (auto b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t adler32(byte_view data) {
  std::uint32_t a = 1, b = 0;
  for (auto x : data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void chunk(bytes& png, std::string_view type, const bytes& data) {
  put_u32(png, static_cast<std::uint32_t>(data.size()));
  bytes body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put_u32(png, crc32(body));
}

// A zlib stream of stored (uncompressed) deflate blocks: valid for every PNG reader and small
// enough to write by hand.
bytes zlib_stored(const bytes& raw) {
  bytes out{0x78, 0x01};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - pos, 65535);
    const bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    const auto len = static_cast<std::uint16_t>(n);
    const auto nlen = static_cast<std::uint16_t>(~len);
    out.push_back(static_cast<std::uint8_t>(len & 0xFF));
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(nlen & 0xFF));
    out.push_back(static_cast<std::uint8_t>(nlen >> 8));
    out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos),
               raw.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < raw.size());
  put_u32(out, adler32(raw));
  return out;
}

// Even-odd rule over the star's ten vertices.
bool inside_star(double x, double y, double cx, double cy, double outer, double inner) {
  std::array<double, 10> px{}, py{};
  for (int i = 0; i < 10; ++i) {
    const double r = i % 2 == 0 ? outer : inner;
    const double angle = -std::numbers::pi / 2 + i * std::numbers::pi / 5;
    px[static_cast<std::size_t>(i)] = cx + r * std::cos(angle);
    py[static_cast<std::size_t>(i)] = cy + r * std::sin(angle);
  }
  bool in = false;
  for (std::size_t i = 0, j = 9; i < 10; j = i++) {
    if ((py[i] > y) != (py[j] > y) && x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i])
      in = !in;
  }
  return in;
}

}  // namespace

bytes draw_round_seal_png(unsigned size_px) {
  const double c = size_px / 2.0;
  const double r_out = c - 2, r_ring = c - 2 - size_px * 0.05, r_in2 = c - size_px * 0.12,
               r_in1 = r_in2 - size_px * 0.012;
  const std::size_t row_bytes = (size_px + 7) / 8;
  bytes raw;
  raw.reserve((row_bytes + 1) * size_px);
  for (unsigned y = 0; y < size_px; ++y) {
    raw.push_back(0);  // filter: none
    for (std::size_t bx = 0; bx < row_bytes; ++bx) {
      std::uint8_t bits = 0;
      for (unsigned k = 0; k < 8; ++k) {
        const unsigned x = static_cast<unsigned>(bx * 8 + k);
        if (x >= size_px) break;
        const double dx = x + 0.5 - c, dy = y + 0.5 - c;
        const double d = std::sqrt(dx * dx + dy * dy);
        const bool red = (d <= r_out && d >= r_ring) || (d <= r_in2 && d >= r_in1) ||
                         inside_star(x + 0.5, y + 0.5, c, c, size_px * 0.22, size_px * 0.088);
        if (red) bits = static_cast<std::uint8_t>(bits | (0x80u >> k));
      }
      raw.push_back(bits);
    }
  }

  bytes png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  bytes ihdr;
  put_u32(ihdr, size_px);
  put_u32(ihdr, size_px);
  ihdr.insert(ihdr.end(), {1, 3, 0, 0, 0});  // 1-bit depth, indexed colour
  chunk(png, "IHDR", ihdr);
  chunk(png, "PLTE", {0xFF, 0xFF, 0xFF, 0xE0, 0x1E, 0x1E});
  chunk(png, "tRNS", {0x00});  // index 0 (the background) transparent
  chunk(png, "IDAT", zlib_stored(raw));
  chunk(png, "IEND", {});
  return png;
}

}  // namespace sealbridge::tools
