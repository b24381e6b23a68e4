#include <catch2/catch.hpp>

#include <random>

#include "core/error.hpp"
#include "seal/seal.hpp"
#include "../crypto/test_certs.hpp"

using namespace sealbridge;
using namespace sealbridge::seal;

namespace {

const char* const kSamples[] = {"ofdrw_UserV1.esl", "ofdrw_UserV4.esl", "ofdrw_SESealData.DER",
                                "ofdrw_SignedValueV4.dat"};

// Decoding may succeed or throw sealbridge::error(seal_invalid); anything else is a bug.
// Under the sanitizer build an out-of-bounds read fails the test run outright.
int decode_any(byte_view data, bool check_signatures = false) {
  int decoded = 0;
  try {
    auto s = decode_seal(data);
    if (check_signatures) (void)maker_signature_valid(s);
    ++decoded;
  } catch (const error& e) {
    REQUIRE(e.code() == errc::seal_invalid);
  }
  try {
    auto d = decode_signature(data);
    if (check_signatures) (void)verify_signature_document(d);
    ++decoded;
  } catch (const error& e) {
    REQUIRE(e.code() == errc::seal_invalid);
  }
  return decoded;
}

}  // namespace

TEST_CASE("every truncation of every sample is rejected cleanly") {
  for (auto name : kSamples) {
    INFO(name);
    const bytes full = testing::read_file(testing::sample(name));
    for (std::size_t len = 0; len < full.size(); ++len) {
      CHECK(decode_any(byte_view(full).first(len)) == 0);
    }
    CHECK(decode_any(full) == 1);
  }
}

TEST_CASE("every single-byte corruption of the structure never crashes") {
  for (auto name : kSamples) {
    INFO(name);
    const bytes full = testing::read_file(testing::sample(name));
    bytes work = full;
    for (std::size_t i = 0; i < work.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t(work[i] ^ 0x80), std::uint8_t(0xff), std::uint8_t(0x00)}) {
        const std::uint8_t saved = work[i];
        work[i] = v;
        decode_any(work);
        work[i] = saved;
      }
      // Picture bytes are opaque; skipping most of them keeps the loop fast.
      if (i > 800 && i + 1200 < work.size()) i += 37;
    }
  }
}

TEST_CASE("random multi-byte flips never crash") {
  std::mt19937 rng(20260101);
  for (auto name : kSamples) {
    const bytes full = testing::read_file(testing::sample(name));
    std::uniform_int_distribution<std::size_t> pos(0, full.size() - 1);
    std::uniform_int_distribution<int> val(0, 255);
    for (int round = 0; round < 300; ++round) {
      bytes work = full;
      for (int k = 0; k < 1 + round % 8; ++k) work[pos(rng)] = static_cast<std::uint8_t>(val(rng));
      // Corrupted certificates and signatures also go through OpenSSL's parsers here.
      decode_any(work, true);
    }
  }
}

TEST_CASE("hostile shapes are rejected") {
  CHECK_THROWS_AS(decode_seal(bytes{}), error);
  CHECK_THROWS_AS(decode_seal(bytes{0x30, 0x00}), error);
  CHECK_THROWS_AS(decode_seal(bytes{0x30, 0x80, 0x00, 0x00}), error);
  CHECK_THROWS_AS(decode_seal(bytes{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}), error);
  CHECK_THROWS_AS(decode_seal(bytes{0x30, 0x04, 0x30, 0x00, 0x30, 0x00}), error);
  bytes many;
  for (int i = 0; i < 5000; ++i) many.insert(many.end(), {0x30, 0x00});
  CHECK_THROWS_AS(decode_seal(many), error);
  // Trailing zero padding (tokens round data objects up) is tolerated, other trailing data not.
  bytes padded = testing::read_file(testing::sample("ofdrw_UserV4.esl"));
  padded.resize(padded.size() + 16, 0);
  CHECK_NOTHROW(decode_seal(padded));
  padded.back() = 1;
  CHECK_THROWS_AS(decode_seal(padded), error);
}
