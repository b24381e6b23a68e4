#include "crypto/der.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/text.hpp"

namespace sealbridge::crypto::der {
namespace {

// Enough for any tag number or length a seal can hold; larger values are treated as garbage
// instead of risking overflow in the arithmetic that follows.
constexpr std::size_t kMaxLengthOctets = 4;
constexpr std::size_t kMaxTagOctets = 4;

bool digits(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return true;
}

}  // namespace

bool tlv::is_string() const {
  if (cls != tag_class::universal || constructed) return false;
  switch (number) {
    case tag::utf8_string:
    case tag::printable_string:
    case tag::t61_string:
    case tag::ia5_string:
    case tag::visible_string:
    case tag::numeric_string:
    case tag::bmp_string:
    case tag::universal_string:
      return true;
    default:
      return false;
  }
}

void reader::fail(std::string_view what, std::size_t at) const {
  throw error(fail_, std::string(what) + " at offset " + std::to_string(at));
}

bool reader::only_padding_left() const {
  for (std::size_t i = pos_; i < data_.size(); ++i)
    if (data_[i] != 0) return false;
  return true;
}

tlv reader::parse_at(std::size_t pos) const {
  const std::size_t start = pos;
  const std::size_t size = data_.size();
  if (pos >= size) fail("unexpected end of data", base_ + pos);
  tlv t;
  t.offset = base_ + start;
  const std::uint8_t id = data_[pos++];
  t.cls = static_cast<tag_class>(id >> 6);
  t.constructed = (id & 0x20) != 0;
  t.number = id & 0x1fu;
  if (t.number == 0x1f) {
    t.number = 0;
    std::size_t n = 0;
    for (;;) {
      if (pos >= size) fail("truncated tag", base_ + start);
      if (++n > kMaxTagOctets) fail("tag number too large", base_ + start);
      const std::uint8_t b = data_[pos++];
      t.number = (t.number << 7) | (b & 0x7fu);
      if ((b & 0x80) == 0) break;
    }
  }
  if (pos >= size) fail("truncated length", base_ + start);
  const std::uint8_t first = data_[pos++];
  std::size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else if (first == 0x80) {
    fail("indefinite length is not DER", base_ + start);
  } else {
    const std::size_t n = first & 0x7fu;
    if (n > kMaxLengthOctets) fail("length field too long", base_ + start);
    if (size - pos < n) fail("truncated length", base_ + start);
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | data_[pos++];
  }
  if (length > size - pos) fail("element runs past the end of its container", base_ + start);
  t.value = data_.subspan(pos, length);
  t.whole = data_.subspan(start, pos - start + length);
  return t;
}

tlv reader::peek() const {
  return parse_at(pos_);
}

tlv reader::next() {
  tlv t = parse_at(pos_);
  pos_ += t.whole.size();
  return t;
}

tlv reader::expect(std::uint32_t universal_number, std::string_view what) {
  if (at_end()) fail(std::string(what) + ": missing", offset());
  tlv t = next();
  if (!t.is(universal_number))
    fail(std::string(what) + ": unexpected tag " + std::to_string(t.number), t.offset);
  const bool want_constructed = universal_number == tag::sequence || universal_number == tag::set;
  if (t.constructed != want_constructed)
    fail(std::string(what) + ": wrong primitive/constructed form", t.offset);
  return t;
}

void reader::expect_end(std::string_view what) const {
  if (!at_end()) fail(std::string(what) + ": unexpected trailing data", offset());
}

reader reader::children(const tlv& parent) const {
  if (!parent.constructed) fail("expected a constructed element", parent.offset);
  const std::size_t header = parent.whole.size() - parent.value.size();
  return reader(parent.value, fail_, parent.offset + header);
}

long to_long(const reader& r, const tlv& t) {
  if (!t.is(tag::integer) || t.constructed) r.fail("expected INTEGER", t.offset);
  if (t.value.empty()) r.fail("empty INTEGER", t.offset);
  if (t.value.size() > sizeof(long)) r.fail("INTEGER too large", t.offset);
  // Two's complement, sign from the first octet.
  unsigned long v = (t.value[0] & 0x80) ? ~0ul : 0ul;
  for (auto b : t.value) v = (v << 8) | b;
  return static_cast<long>(v);
}

std::string to_string(const reader& r, const tlv& t) {
  if (!t.is_string()) r.fail("expected a character string", t.offset);
  switch (t.number) {
    case tag::bmp_string:
      return from_bmp_string(t.value);
    case tag::universal_string:
      return from_universal_string(t.value);
    case tag::t61_string:
      return from_t61_string(t.value);
    default:
      return to_utf8_lenient(t.value);
  }
}

std::string to_oid(const reader& r, const tlv& t) {
  if (!t.is(tag::oid) || t.constructed) r.fail("expected OBJECT IDENTIFIER", t.offset);
  if (t.value.empty()) r.fail("empty OBJECT IDENTIFIER", t.offset);
  std::string out;
  std::uint64_t arc = 0;
  bool first = true;
  for (std::size_t i = 0; i < t.value.size(); ++i) {
    const std::uint8_t b = t.value[i];
    if (arc > (std::uint64_t{1} << 56)) r.fail("OBJECT IDENTIFIER arc too large", t.offset);
    arc = (arc << 7) | (b & 0x7fu);
    if (b & 0x80) {
      if (i + 1 == t.value.size()) r.fail("truncated OBJECT IDENTIFIER", t.offset);
      continue;
    }
    if (first) {
      const std::uint64_t top = arc < 40 ? 0 : (arc < 80 ? 1 : 2);
      out = std::to_string(top) + "." + std::to_string(arc - top * 40);
      first = false;
    } else {
      out += "." + std::to_string(arc);
    }
    arc = 0;
  }
  return out;
}

bool to_bool(const reader& r, const tlv& t) {
  if (!t.is(tag::boolean) || t.constructed || t.value.size() != 1)
    r.fail("expected BOOLEAN", t.offset);
  // BER allows any non-zero octet for TRUE; vendors write 0x01 as well as 0xFF.
  return t.value[0] != 0;
}

byte_view bit_string_bytes(const reader& r, const tlv& t) {
  if (!t.is(tag::bit_string) || t.constructed) r.fail("expected BIT STRING", t.offset);
  if (t.value.empty()) r.fail("empty BIT STRING", t.offset);
  if (t.value[0] != 0) r.fail("BIT STRING with unused bits", t.offset);
  return t.value.subspan(1);
}

sys_seconds to_time(const reader& r, const tlv& t) {
  const bool utc = t.is(tag::utc_time);
  if ((!utc && !t.is(tag::generalized_time)) || t.constructed)
    r.fail("expected UTCTime or GeneralizedTime", t.offset);
  const std::string_view s{reinterpret_cast<const char*>(t.value.data()), t.value.size()};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  std::size_t pos = 0;
  if (utc) {
    if (!digits(s, 0, 2, year)) r.fail("bad UTCTime", t.offset);
    year += year < 50 ? 2000 : 1900;  // RFC 5280 window
    pos = 2;
  } else {
    if (!digits(s, 0, 4, year)) r.fail("bad GeneralizedTime", t.offset);
    pos = 4;
  }
  if (!digits(s, pos, 2, mon) || !digits(s, pos + 2, 2, day) || !digits(s, pos + 4, 2, hour) ||
      !digits(s, pos + 6, 2, min))
    r.fail("bad time", t.offset);
  pos += 8;
  // Seconds are optional in BER times, and some makers omit them.
  if (digits(s, pos, 2, sec)) pos += 2;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  int offset_minutes = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + 3, 2, om)) r.fail("bad time zone", t.offset);
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 5;
  }
  // A time with no zone at all is read as UTC: some makers write local digits without 'Z'.
  if (pos != s.size()) r.fail("bad time", t.offset);
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, month{static_cast<unsigned>(mon)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || min > 59 || sec > 60) r.fail("time out of range", t.offset);
  return sys_seconds{sys_days{ymd}} + hours{hour} + minutes{min} + seconds{sec} -
         minutes{offset_minutes};
}

bytes length_octets(std::size_t length) {
  if (length < 0x80) return {static_cast<std::uint8_t>(length)};
  bytes be;
  for (std::size_t l = length; l != 0; l >>= 8) be.insert(be.begin(), static_cast<std::uint8_t>(l));
  be.insert(be.begin(), static_cast<std::uint8_t>(0x80 | be.size()));
  return be;
}

bytes element(std::uint8_t identifier, byte_view contents) {
  bytes out{identifier};
  const bytes len = length_octets(contents.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

bytes sequence(std::initializer_list<byte_view> parts) {
  bytes contents;
  for (auto p : parts) contents.insert(contents.end(), p.begin(), p.end());
  return element(0x30, contents);
}

bytes sequence_of(const std::vector<bytes>& parts) {
  bytes contents;
  for (const auto& p : parts) contents.insert(contents.end(), p.begin(), p.end());
  return element(0x30, contents);
}

bytes integer(long value) {
  bytes be;
  auto v = static_cast<unsigned long>(value);
  for (std::size_t i = 0; i < sizeof(long); ++i, v >>= 8)
    be.insert(be.begin(), static_cast<std::uint8_t>(v));
  // Minimal two's complement: drop leading octets that only repeat the sign.
  while (be.size() > 1 && ((be[0] == 0 && !(be[1] & 0x80)) || (be[0] == 0xff && (be[1] & 0x80))))
    be.erase(be.begin());
  return element(0x02, be);
}

bytes boolean(bool value) {
  const std::uint8_t v = value ? 0xff : 0x00;
  return element(0x01, byte_view{&v, 1});
}

bytes octet_string(byte_view value) {
  return element(0x04, value);
}

bytes bit_string(byte_view value) {
  bytes contents{0};
  contents.insert(contents.end(), value.begin(), value.end());
  return element(0x03, contents);
}

bytes oid(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::size_t pos = 0;
  while (pos <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', pos), dotted.size());
    std::uint64_t arc = 0;
    auto [ptr, ec] = std::from_chars(dotted.data() + pos, dotted.data() + dot, arc);
    if (ec != std::errc{} || ptr != dotted.data() + dot || dot == pos)
      throw error(errc::bad_params, "malformed OID '" + std::string(dotted) + "'");
    arcs.push_back(arc);
    pos = dot + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
    throw error(errc::bad_params, "malformed OID '" + std::string(dotted) + "'");
  bytes contents;
  auto put = [&contents](std::uint64_t arc) {
    bytes b{static_cast<std::uint8_t>(arc & 0x7f)};
    for (arc >>= 7; arc != 0; arc >>= 7)
      b.insert(b.begin(), static_cast<std::uint8_t>(0x80 | (arc & 0x7f)));
    contents.insert(contents.end(), b.begin(), b.end());
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  return element(0x06, contents);
}

bytes ia5_string(std::string_view value) {
  return element(0x16, as_bytes(value));
}
bytes utf8_string(std::string_view value) {
  return element(0x0c, as_bytes(value));
}
bytes printable_string(std::string_view value) {
  return element(0x13, as_bytes(value));
}

bytes generalized_time(sys_seconds t) {
  // "YYYY-MM-DDTHH:MM:SSZ" -> "YYYYMMDDHHMMSSZ"
  std::string iso = to_iso8601(t), out;
  for (char c : iso)
    if (c != '-' && c != ':' && c != 'T') out += c;
  return element(0x18, as_bytes(out));
}

bytes utc_or_generalized_time(sys_seconds t) {
  using namespace std::chrono;
  const auto year = static_cast<int>(year_month_day{floor<days>(t)}.year());
  if (year < 1950 || year > 2049) return generalized_time(t);
  const bytes g = generalized_time(t);  // 0x18 0x0f YYYYMMDDHHMMSSZ: drop the century
  const bytes contents(g.begin() + 4, g.end());
  return element(0x17, contents);
}

bytes null() {
  return {0x05, 0x00};
}

bytes set_of(std::vector<bytes> parts) {
  std::sort(parts.begin(), parts.end());
  bytes contents;
  for (const auto& p : parts) contents.insert(contents.end(), p.begin(), p.end());
  return element(0x31, contents);
}

bytes context_explicit(std::uint32_t number, byte_view inner) {
  if (number > 30) throw error(errc::internal, "context tag number too large");
  return element(static_cast<std::uint8_t>(0xa0 | number), inner);
}

}  // namespace sealbridge::crypto::der
