#include <catch2/catch.hpp>

#include <climits>

#include "core/error.hpp"
#include "crypto/der.hpp"

using namespace sealbridge;
namespace der = sealbridge::crypto::der;
using namespace std::chrono;

namespace {

der::tlv single(const bytes& b, der::reader& r) {
  auto t = r.next();
  r.expect_end("test");
  (void)b;
  return t;
}

errc failure_of(const bytes& b) {
  try {
    der::reader r(b, errc::seal_invalid);
    while (!r.at_end()) r.next();
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;
}

}  // namespace

TEST_CASE("DER reader walks short and long form lengths with offsets") {
  bytes content(300, 0xab);
  bytes os = der::octet_string(content);
  REQUIRE(os.size() == 304);
  CHECK(os[1] == 0x82);
  bytes seq = der::sequence({der::integer(5), os});
  der::reader r(seq);
  auto outer = single(seq, r);
  CHECK(outer.is(der::tag::sequence));
  CHECK(outer.constructed);
  auto kids = r.children(outer);
  auto i = kids.expect(der::tag::integer, "i");
  CHECK(i.offset == 4);
  CHECK(der::to_long(kids, i) == 5);
  auto o = kids.expect(der::tag::octet_string, "o");
  CHECK(o.offset == 7);
  CHECK(o.value.size() == 300);
  CHECK(o.whole.size() == 304);
  kids.expect_end("seq");
}

TEST_CASE("DER reader rejects malformed input with the caller's code") {
  CHECK(failure_of({0x30, 0x80, 0x00, 0x00}) == errc::seal_invalid);       // indefinite
  CHECK(failure_of({0x04, 0x05, 0x01}) == errc::seal_invalid);             // runs past end
  CHECK(failure_of({0x04}) == errc::seal_invalid);                         // no length
  CHECK(failure_of({0x04, 0x85, 1, 0, 0, 0, 0}) == errc::seal_invalid);    // huge length field
  CHECK(failure_of({0x04, 0x82, 0x01}) == errc::seal_invalid);             // truncated length
  CHECK(failure_of({0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}) == errc::seal_invalid);
  try {
    const bytes runs_past{0x04, 0x05, 0x01};
    der::reader r(runs_past);  // a reader views its input; the bytes must outlive it
    r.next();
    FAIL("no throw");
  } catch (const error& e) {
    CHECK(e.code() == errc::bad_params);
    CHECK(e.detail().find("offset 0") != std::string::npos);
  }
}

TEST_CASE("DER reader handles high tag numbers and context tags") {
  bytes b{0xbf, 0x81, 0x00, 0x00, 0xa0, 0x03, 0x02, 0x01, 0x07};
  der::reader r(b);
  auto t = r.next();
  CHECK(t.cls == der::tag_class::context);
  CHECK(t.number == 128);
  auto c = r.next();
  CHECK(c.is_context(0));
  auto inner = r.children(c);
  CHECK(der::to_long(inner, inner.expect(der::tag::integer, "x")) == 7);
}

TEST_CASE("INTEGER encoding is minimal and round-trips") {
  for (long v : {0L, 1L, 127L, 128L, 255L, 256L, -1L, -128L, -129L, 40L, LONG_MAX, LONG_MIN}) {
    bytes b = der::integer(v);
    der::reader r(b);
    CHECK(der::to_long(r, r.next()) == v);
  }
  CHECK(der::integer(128) == bytes{0x02, 0x02, 0x00, 0x80});
  CHECK(der::integer(-128) == bytes{0x02, 0x01, 0x80});
  CHECK(der::integer(0) == bytes{0x02, 0x01, 0x00});
}

TEST_CASE("OID text round-trips") {
  for (std::string oid : {"1.2.156.10197.1.501", "1.2.840.113549.1.1.11", "2.5.29.19",
                          "1.2.156.112600.7.1", "2.999.1"}) {
    bytes b = der::oid(oid);
    der::reader r(b);
    CHECK(der::to_oid(r, r.next()) == oid);
  }
  CHECK(der::oid("1.2.156.10197.1.501") ==
        bytes{0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75});
  CHECK_THROWS_AS(der::oid("1..2"), error);
  CHECK_THROWS_AS(der::oid("7.1"), error);
  CHECK_THROWS_AS(der::oid("abc"), error);
  bytes truncated{0x06, 0x02, 0x2a, 0x81};
  der::reader r(truncated);
  CHECK_THROWS_AS(der::to_oid(r, r.next()), error);
}

TEST_CASE("UTCTime and GeneralizedTime in their real-world variants") {
  const auto t = sys_days{2020y / April / 22} + 2h + 18min + 7s;
  auto parse = [](std::uint8_t tag, std::string text) {
    bytes b = der::element(tag, as_bytes(text));
    der::reader r(b);
    return der::to_time(r, r.next());
  };
  CHECK(parse(0x17, "200422021807Z") == t);
  CHECK(parse(0x18, "20200422021807Z") == t);
  CHECK(parse(0x18, "20200422021807.123Z") == t);
  CHECK(parse(0x18, "20200422101807+0800") == t);
  CHECK(parse(0x18, "20200422021807") == t);
  CHECK(parse(0x17, "2004220218Z") == t - 7s);
  CHECK(parse(0x17, "491231235959Z") == sys_days{2049y / December / 31} + 23h + 59min + 59s);
  CHECK(parse(0x17, "500101000000Z") == sys_seconds{sys_days{1950y / January / 1}});
  CHECK_THROWS_AS(parse(0x18, "20201322021807Z"), error);
  CHECK_THROWS_AS(parse(0x18, "2020042202180Z"), error);
  CHECK_THROWS_AS(parse(0x18, "x"), error);
  CHECK_THROWS_AS(parse(0x04, "20200422021807Z"), error);
  bytes g = der::generalized_time(t);
  CHECK(std::string(g.begin() + 2, g.end()) == "20200422021807Z");
}

TEST_CASE("BIT STRING and BOOLEAN decoding") {
  bytes bs = der::bit_string(bytes{1, 2, 3});
  der::reader r(bs);
  auto v = der::bit_string_bytes(r, r.next());
  CHECK(bytes(v.begin(), v.end()) == bytes{1, 2, 3});
  bytes unused{0x03, 0x02, 0x04, 0xf0};
  der::reader r2(unused);
  CHECK_THROWS_AS(der::bit_string_bytes(r2, r2.next()), error);
  bytes t1{0x01, 0x01, 0x01};
  der::reader r3(t1);
  CHECK(der::to_bool(r3, r3.next()));
  CHECK(der::boolean(true) == bytes{0x01, 0x01, 0xff});
}
