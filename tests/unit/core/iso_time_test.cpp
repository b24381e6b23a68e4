#include <catch2/catch.hpp>

#include "core/iso_time.hpp"

using namespace sealbridge;
using namespace std::chrono;

TEST_CASE("ISO 8601 formatting and parsing") {
  auto t = sys_days{2026y / November / 22} + 8h + 30min + 5s;
  CHECK(to_iso8601(t) == "2026-11-22T08:30:05Z");
  CHECK(parse_iso8601("2026-11-22T08:30:05Z") == t);
  CHECK(parse_iso8601("2026-11-22T16:30:05+08:00") == t);
  CHECK(parse_iso8601("2026-11-22T08:30:05.123Z") == t);
  CHECK(parse_iso8601("2026-11-22") == sys_seconds{sys_days{2026y / November / 22}});
  CHECK_FALSE(parse_iso8601("2026-11-22T08:30:05"));
  CHECK_FALSE(parse_iso8601("2026-13-01"));
  CHECK_FALSE(parse_iso8601("garbage"));
}

TEST_CASE("days between floors toward minus infinity") {
  auto now = sys_seconds{sys_days{2026y / November / 22}};
  CHECK(days_between(now, now + days{30}) == 30);
  CHECK(days_between(now, now + days{30} - 1s) == 29);
  CHECK(days_between(now, now - 1s) == -1);
}
