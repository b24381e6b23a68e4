#include "core/text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace sealbridge;

namespace {

std::string raw(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}

bytes raw_bytes(std::initializer_list<unsigned char> b) {
  return bytes(b.begin(), b.end());
}

// nlohmann/json is what threw type_error.316 and took the daemon down; it judges the output.
bool json_accepts(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

const std::string fffd = "\xEF\xBF\xBD";

}  // namespace

TEST_CASE("valid UTF-8 passes unchanged") {
  for (std::string s :
       {std::string(""), std::string("SoftHSM project"), std::string("示例科技有限公司"),
        std::string("\xF0\x9F\x94\x91 key"), std::string("a\0b", 3)}) {
    CHECK(is_valid_utf8(s));
    CHECK(to_utf8_lenient(s) == s);
  }
  // The extremes of each sequence length.
  CHECK(is_valid_utf8(raw({0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xEF, 0xBF, 0xBF})));
  CHECK(is_valid_utf8(raw({0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF})));
}

TEST_CASE("GBK labels come out as the characters users read") {
  // What Chinese vendors write into CK_TOKEN_INFO.label and CKA_LABEL.
  const auto gbk = raw({0xCA, 0xBE, 0xC0, 0xFD, 0xBF, 0xC6, 0xBC, 0xBC});
  CHECK_FALSE(is_valid_utf8(gbk));
  CHECK(to_utf8_lenient(gbk) == "示例科技");
  CHECK(to_utf8_lenient(raw({0xC7, 0xA9, 0xC3, 0xFB, 0xD6, 0xA4, 0xCA, 0xE9})) == "签名证书");
  // Mixed with ASCII, as in "UKey 示例" or a seal name with a space.
  CHECK(to_utf8_lenient(raw({'U', 'K', 'e', 'y', ' ', 0xCA, 0xBE, 0xC0, 0xFD})) == "UKey 示例");
  CHECK(to_utf8_lenient(byte_view(raw_bytes({0xB2, 0xE2, 0xCA, 0xD4}))) == "测试");
}

TEST_CASE("GB18030 four-byte sequences decode") {
  // U+20000 (CJK Extension B) and U+0080, both four bytes in GB18030.
  CHECK(to_utf8_lenient(raw({0x95, 0x32, 0x82, 0x36})) == "\xF0\xA0\x80\x80");
  CHECK(to_utf8_lenient(raw({0x81, 0x30, 0x81, 0x30})) == "\xC2\x80");
  CHECK(to_utf8_lenient(raw({0xCA, 0xBE, 0x95, 0x32, 0x82, 0x36})) == "示\xF0\xA0\x80\x80");
}

TEST_CASE("invalid bytes become U+FFFD and never throw") {
  CHECK(to_utf8_lenient(raw({0xFF})) == fffd);
  CHECK(to_utf8_lenient(raw({'a', 0xFF, 'b'})) == "a" + fffd + "b");
  CHECK(to_utf8_lenient(raw({0x80})) == fffd);
  CHECK(to_utf8_lenient(raw({0xCA, 0xBE, 0xFF, 0xC0, 0xFD})) == "示" + fffd + "例");
  // Every single byte and every pair: always valid UTF-8 that JSON accepts.
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    REQUIRE(is_valid_utf8(to_utf8_lenient(one)));
    for (int b = 0x80; b < 256; b += 3) {
      const std::string two = one + static_cast<char>(b);
      const auto out = to_utf8_lenient(two);
      REQUIRE(is_valid_utf8(out));
      REQUIRE(json_accepts(out));
    }
  }
}

TEST_CASE("truncated sequences") {
  // UTF-8 cut by a fixed-width PKCS#11 field inside its last character keeps what is there.
  CHECK(to_utf8_lenient(std::string("示例") + "\xE7\xA7") == "示例" + fffd);
  // GBK cut after a lead byte.
  CHECK(to_utf8_lenient(raw({0xCA, 0xBE, 0xC0})) == "示" + fffd);
  // GB18030 four-byte sequence cut short.
  CHECK(to_utf8_lenient(raw({0xCA, 0xBE, 0x95, 0x32, 0x82})) == "示" + fffd);
  CHECK(is_valid_utf8(to_utf8_lenient(raw({0x95, 0x32}))));
}

TEST_CASE("overlong forms, surrogates and code points beyond Unicode are not UTF-8") {
  const std::string cases[] = {
      raw({0xC0, 0x80}),                          // overlong NUL
      raw({0xC1, 0xBF}),                          // overlong 0x7F
      raw({0xE0, 0x80, 0xAF}),                    // overlong '/'
      raw({0xF0, 0x80, 0x80, 0xAF}),              // overlong '/'
      raw({0xED, 0xA0, 0x80}),                    // U+D800
      raw({0xED, 0xBF, 0xBF}),                    // U+DFFF
      raw({0xED, 0xA0, 0xBD, 0xED, 0xB2, 0xA9}),  // CESU-8 surrogate pair
      raw({0xF4, 0x90, 0x80, 0x80}),              // U+110000
      raw({0xF5, 0x80, 0x80, 0x80}),
  };
  for (const auto& s : cases) {
    INFO(s.size());
    CHECK_FALSE(is_valid_utf8(s));
    CHECK_FALSE(json_accepts(s));
    const auto out = to_utf8_lenient(s);
    CHECK(out != s);
    CHECK(is_valid_utf8(out));
    CHECK(json_accepts(out));
  }
}

TEST_CASE("BMPString is UTF-16BE") {
  CHECK(from_bmp_string(raw_bytes({0x5F, 0x20, 0x4E, 0x09})) == "张三");
  CHECK(from_bmp_string(raw_bytes({0x00, 'C', 0x00, 'N'})) == "CN");
  // A surrogate pair (U+20000) as some encoders write beyond UCS-2.
  CHECK(from_bmp_string(raw_bytes({0xD8, 0x40, 0xDC, 0x00})) == "\xF0\xA0\x80\x80");
  // Unpaired surrogates and an odd trailing byte.
  CHECK(from_bmp_string(raw_bytes({0xD8, 0x40, 0x00, 'A'})) == fffd + "A");
  CHECK(from_bmp_string(raw_bytes({0xDC, 0x00})) == fffd);
  CHECK(from_bmp_string(raw_bytes({0x5F, 0x20, 0x4E})) == "张" + fffd);
  CHECK(from_bmp_string({}).empty());
}

TEST_CASE("UniversalString is UCS-4BE") {
  CHECK(from_universal_string(raw_bytes({0, 0, 0x5F, 0x20, 0, 2, 0, 0})) == "张\xF0\xA0\x80\x80");
  CHECK(from_universal_string(raw_bytes({0, 0x11, 0, 0})) == fffd);
  CHECK(from_universal_string(raw_bytes({0, 0, 0xD8, 0})) == fffd);
  CHECK(from_universal_string(raw_bytes({0, 0, 0})) == fffd);
}

TEST_CASE("T61String: UTF-8, else GB18030, else Latin-1") {
  CHECK(from_t61_string(raw_bytes({'A', 'B'})) == "AB");
  CHECK(from_t61_string(as_bytes("示例")) == "示例");
  CHECK(from_t61_string(raw_bytes({0xCA, 0xBE, 0xC0, 0xFD})) == "示例");
  // "Société" in Latin-1: its last byte is a GBK lead with nothing after it.
  CHECK(from_t61_string(raw_bytes({'S', 'o', 'c', 'i', 0xE9, 't', 0xE9})) ==
        "Soci\xC3\xA9t\xC3\xA9");
  CHECK(from_t61_string(raw_bytes({0xFF})) == "\xC3\xBF");
}
