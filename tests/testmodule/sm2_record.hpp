#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tests/testmodule/sm2_crypto.hpp"

namespace sealbridge::testmodule {

// What a backing CKO_DATA object's CKA_VALUE holds for one half of an SM2 key pair. SoftHSM has
// no SM2 key objects, and data objects take no CKA_ID, so the ID travels in here.
// Layout: 0x01 | id length (2 bytes, big-endian) | id | 04||x||y (65) | scalar (32, private only).
struct sm2_record {
  std::vector<std::uint8_t> id;
  sm2_point point{};
  std::optional<sm2_scalar> scalar;
};

std::vector<std::uint8_t> encode_record(const sm2_record& r);
std::optional<sm2_record> decode_record(std::span<const std::uint8_t> bytes);

}  // namespace sealbridge::testmodule
