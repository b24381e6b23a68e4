#include "service/page_pin_failures.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "core/error.hpp"

using namespace sealbridge;
using service::page_pin_failures;
using namespace std::chrono_literals;

namespace {

errc refusal(page_pin_failures& f, const std::string& token, const std::string& origin,
             page_pin_failures::clock::time_point now) {
  try {
    f.check(token, origin, now);
  } catch (const error& e) {
    return e.code();
  }
  return errc::internal;  // stands for "accepted"
}

}  // namespace

TEST_CASE("three wrong PINs in a row from a page stop its PINs for that key for a while") {
  page_pin_failures f;
  const auto t0 = page_pin_failures::clock::time_point{} + 1h;
  const std::string page = "https://portal.example.cn";
  for (int i = 0; i < page_pin_failures::max_failures; ++i) {
    CHECK(refusal(f, "key1", page, t0 + i * 1s) == errc::internal);
    f.failed("key1", page, t0 + i * 1s);
  }
  const auto last = t0 + 2s;
  CHECK(refusal(f, "key1", page, last + 1s) == errc::pin_attempts_exceeded);
  CHECK(refusal(f, "key1", page, last + page_pin_failures::cool_down - 1s) ==
        errc::pin_attempts_exceeded);
  // Another page, and the same page on another key, are not held back.
  CHECK(refusal(f, "key1", "https://other.example.cn", last + 1s) == errc::internal);
  CHECK(refusal(f, "key2", page, last + 1s) == errc::internal);
  // Once the time has passed, three tries again.
  CHECK(refusal(f, "key1", page, last + page_pin_failures::cool_down) == errc::internal);
  f.failed("key1", page, last + page_pin_failures::cool_down);
  CHECK(refusal(f, "key1", page, last + page_pin_failures::cool_down + 1s) == errc::internal);
}

TEST_CASE("a correct PIN, or failures far apart, never add up to a block") {
  page_pin_failures f;
  const auto t0 = page_pin_failures::clock::time_point{} + 1h;
  const std::string page = "https://portal.example.cn";
  f.failed("key", page, t0);
  f.failed("key", page, t0 + 1s);
  f.succeeded("key", page);
  f.failed("key", page, t0 + 2s);
  f.failed("key", page, t0 + 3s);
  CHECK(refusal(f, "key", page, t0 + 4s) == errc::internal);
  // A typo now and then, each more than the cool-down after the last.
  for (int i = 1; i <= 5; ++i) f.failed("key", page, t0 + 3s + i * page_pin_failures::cool_down);
  CHECK(refusal(f, "key", page, t0 + 6 * page_pin_failures::cool_down) == errc::internal);
}

TEST_CASE("the records stay bounded whatever origins a client invents") {
  page_pin_failures f;
  const auto t0 = page_pin_failures::clock::time_point{} + 1h;
  // The page that keeps failing is always the newest record, so it is never the one dropped.
  for (int i = 0; i < 1000; ++i) {
    f.failed("key", "https://x" + std::to_string(i) + ".example", t0 + i * 1ms);
    if (i % 100 == 0) {
      for (int k = 0; k < page_pin_failures::max_failures; ++k)
        f.failed("key", "https://hostile.example", t0 + i * 1ms);
    }
  }
  CHECK(refusal(f, "key", "https://hostile.example", t0 + 2s) == errc::pin_attempts_exceeded);
}
