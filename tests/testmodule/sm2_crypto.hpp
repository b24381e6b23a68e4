#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sealbridge::testmodule {

using sm2_scalar = std::array<std::uint8_t, 32>;
using sm2_point = std::array<std::uint8_t, 65>;  // 04 || x || y

struct sm2_key_pair {
  sm2_scalar scalar{};
  sm2_point point{};
};

// OpenSSL 3.0 does the arithmetic; nullopt on any OpenSSL failure.
std::optional<sm2_key_pair> sm2_generate();
// The public point of a private scalar; nullopt unless 1 <= d <= n-2 (GM/T 0003's range).
std::optional<sm2_point> sm2_public_from_scalar(std::span<const std::uint8_t> scalar);
// SM3-with-SM2 over a message, Z computed with `user_id`. DER SEQUENCE{r, s}.
std::optional<std::vector<std::uint8_t>> sm2_sign_message(const sm2_key_pair& key,
                                                          std::span<const std::uint8_t> user_id,
                                                          std::span<const std::uint8_t> message);
// SM2 over an already computed e = SM3(Z || M). DER SEQUENCE{r, s}.
std::optional<std::vector<std::uint8_t>> sm2_sign_digest(const sm2_key_pair& key,
                                                         std::span<const std::uint8_t> e);
// DER SEQUENCE{r, s} to fixed-width r || s.
std::optional<std::vector<std::uint8_t>> sm2_der_to_raw(std::span<const std::uint8_t> der);
std::optional<std::vector<std::uint8_t>> sm3(std::span<const std::uint8_t> data);

}  // namespace sealbridge::testmodule
