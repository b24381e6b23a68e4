#include <catch2/catch.hpp>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"

using namespace sealbridge;

TEST_CASE("hex round trip and rejection") {
  bytes data{0x00, 0x7f, 0x80, 0xff};
  CHECK(to_hex(data) == "007f80ff");
  CHECK(from_hex("007F80ff") == data);
  CHECK_THROWS_AS(from_hex("abc"), error);
  CHECK_THROWS_AS(from_hex("zz"), error);
}

TEST_CASE("base64 matches RFC 4648 vectors") {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    auto b = as_bytes(plain[i]);
    CHECK(to_base64(b) == encoded[i]);
    CHECK(from_base64(encoded[i]) == bytes(b.begin(), b.end()));
  }
  CHECK(from_base64("Zm9v\nYmFy") == from_base64("Zm9vYmFy"));
  CHECK_THROWS_AS(from_base64("Zm9v!"), error);
  CHECK_THROWS_AS(from_base64("Z"), error);
  CHECK_THROWS_AS(from_base64("Zg==Zg"), error);
}

TEST_CASE("secret moves its value and leaves the source empty") {
  secret a{std::string("123456")};
  secret b = std::move(a);
  CHECK(a.empty());
  CHECK(b.reveal() == "123456");
}
