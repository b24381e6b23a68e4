#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/iso_time.hpp"

// A minimal DER reader and writer. The reader keeps every element as a view into the input so
// callers can verify signatures over the original bytes instead of a re-encoding, which would
// differ whenever the signer's encoder was not strictly DER.
namespace sealbridge::crypto::der {

enum class tag_class : std::uint8_t {
  universal = 0,
  application = 1,
  context = 2,
  private_use = 3
};

namespace tag {
inline constexpr std::uint32_t boolean = 1;
inline constexpr std::uint32_t integer = 2;
inline constexpr std::uint32_t bit_string = 3;
inline constexpr std::uint32_t octet_string = 4;
inline constexpr std::uint32_t null = 5;
inline constexpr std::uint32_t oid = 6;
inline constexpr std::uint32_t utf8_string = 12;
inline constexpr std::uint32_t sequence = 16;
inline constexpr std::uint32_t set = 17;
inline constexpr std::uint32_t numeric_string = 18;
inline constexpr std::uint32_t printable_string = 19;
inline constexpr std::uint32_t t61_string = 20;
inline constexpr std::uint32_t ia5_string = 22;
inline constexpr std::uint32_t utc_time = 23;
inline constexpr std::uint32_t generalized_time = 24;
inline constexpr std::uint32_t visible_string = 26;
inline constexpr std::uint32_t universal_string = 28;
inline constexpr std::uint32_t bmp_string = 30;
}  // namespace tag

struct tlv {
  tag_class cls = tag_class::universal;
  bool constructed = false;
  std::uint32_t number = 0;
  std::size_t offset = 0;  // of the identifier octet, counted from the start of the whole input
  byte_view whole;         // identifier + length + contents
  byte_view value;         // contents only

  bool is(std::uint32_t universal_number) const {
    return cls == tag_class::universal && number == universal_number;
  }
  bool is_context(std::uint32_t n) const { return cls == tag_class::context && number == n; }
  bool is_string() const;  // any of the character string types
};

// Walks the elements of one level. Every malformation throws error(fail_code, "... at offset N").
class reader {
 public:
  explicit reader(byte_view data, errc fail_code = errc::bad_params, std::size_t base_offset = 0)
      : data_(data), base_(base_offset), fail_(fail_code) {}

  bool at_end() const { return pos_ >= data_.size(); }
  std::size_t offset() const { return base_ + pos_; }
  // Only zero bytes remain (tokens sometimes pad data objects to a block size).
  bool only_padding_left() const;

  tlv next();
  tlv peek() const;
  // next(), which must be the given universal type; `what` names the field in the error.
  tlv expect(std::uint32_t universal_number, std::string_view what);
  void expect_end(std::string_view what) const;
  // A reader over a constructed element's contents, with the same offsets and failure code.
  reader children(const tlv& parent) const;

  [[noreturn]] void fail(std::string_view what, std::size_t at) const;
  errc fail_code() const { return fail_; }

 private:
  tlv parse_at(std::size_t pos) const;

  byte_view data_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
  errc fail_;
};

// Value decoders; `r` supplies the failure code.
long to_long(const reader& r, const tlv& t);  // INTEGER that fits in a long
// Any character string type, as valid UTF-8 (core/text.hpp): makers put GBK into UTF8String,
// IA5String and PrintableString alike; BMPString and UniversalString are decoded, T61String
// follows from_t61_string.
std::string to_string(const reader& r, const tlv& t);
std::string to_oid(const reader& r, const tlv& t);  // dotted text
bool to_bool(const reader& r, const tlv& t);
byte_view bit_string_bytes(const reader& r, const tlv& t);  // whole octets only
// UTCTime or GeneralizedTime, as real seals use either wherever a time appears.
sys_seconds to_time(const reader& r, const tlv& t);

// Writer: each function returns one complete element.
bytes element(std::uint8_t identifier, byte_view contents);
bytes sequence(std::initializer_list<byte_view> parts);
bytes sequence_of(const std::vector<bytes>& parts);
bytes integer(long value);
bytes boolean(bool value);
bytes octet_string(byte_view value);
bytes bit_string(byte_view value);
bytes oid(std::string_view dotted);  // throws error(bad_params) on malformed text
bytes ia5_string(std::string_view value);
bytes utf8_string(std::string_view value);
bytes printable_string(std::string_view value);
bytes generalized_time(sys_seconds t);
// UTCTime for 1950-2049, GeneralizedTime outside, as RFC 5280 and RFC 5652 (signingTime) require.
bytes utc_or_generalized_time(sys_seconds t);
bytes null();
// SET OF: the parts sorted by their encodings, as DER requires (X.690 11.6).
bytes set_of(std::vector<bytes> parts);
bytes context_explicit(std::uint32_t number, byte_view inner);
// Length octets for a contents length, exposed so callers can frame pre-encoded parts.
bytes length_octets(std::size_t length);

}  // namespace sealbridge::crypto::der
