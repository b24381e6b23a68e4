#include "tests/testmodule/sm2_record.hpp"

#include <algorithm>

namespace sealbridge::testmodule {
namespace {
constexpr std::uint8_t record_version = 1;
}

std::vector<std::uint8_t> encode_record(const sm2_record& r) {
  std::vector<std::uint8_t> out;
  out.push_back(record_version);
  out.push_back(static_cast<std::uint8_t>(r.id.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(r.id.size() & 0xFF));
  out.insert(out.end(), r.id.begin(), r.id.end());
  out.insert(out.end(), r.point.begin(), r.point.end());
  if (r.scalar) out.insert(out.end(), r.scalar->begin(), r.scalar->end());
  return out;
}

std::optional<sm2_record> decode_record(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 3 || bytes[0] != record_version) return std::nullopt;
  const std::size_t id_len = (std::size_t{bytes[1]} << 8) | bytes[2];
  bytes = bytes.subspan(3);
  sm2_record r;
  if (bytes.size() < id_len + r.point.size()) return std::nullopt;
  r.id.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(id_len));
  bytes = bytes.subspan(id_len);
  std::copy_n(bytes.begin(), r.point.size(), r.point.begin());
  bytes = bytes.subspan(r.point.size());
  if (bytes.empty()) return r;
  if (bytes.size() != sm2_scalar{}.size()) return std::nullopt;
  r.scalar.emplace();
  std::copy(bytes.begin(), bytes.end(), r.scalar->begin());
  return r;
}

}  // namespace sealbridge::testmodule
