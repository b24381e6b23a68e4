#include "core/secret.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace sealbridge;

namespace {

// Everything a string's buffer holds, including bytes past size() left by a move.
bool buffer_holds(const std::string& text, std::string_view needle) {
  return std::string_view(text.data(), text.capacity()).find(needle) != std::string_view::npos;
}

}  // namespace

TEST_CASE("a secret taken from a short string wipes the source's inline buffer") {
  std::string pin = "Kq7canary4PIN9z";  // 15 bytes: kept inline by the small-string optimisation
  secret s(std::move(pin));
  CHECK(s.reveal() == "Kq7canary4PIN9z");
  CHECK_FALSE(buffer_holds(pin, "canary"));
}

TEST_CASE("a secret taken from a long string keeps it and leaves no copy behind") {
  std::string pin(40, 'x');
  pin.replace(10, 6, "canary");
  secret s(std::move(pin));
  CHECK(s.size() == 40);
  CHECK_FALSE(buffer_holds(pin, "canary"));
}

TEST_CASE("moving a secret wipes the moved-from one's buffer") {
  secret a(std::string_view("Kq7canary4PIN9z"));
  const char* old_buffer = a.reveal().data();
  secret b(std::move(a));
  CHECK(b.reveal() == "Kq7canary4PIN9z");
  CHECK(a.empty());
  CHECK(std::string_view(old_buffer, 15).find("canary") == std::string_view::npos);

  secret c(std::string_view("another-pin"));
  const char* c_buffer = b.reveal().data();
  c = std::move(b);
  CHECK(c.reveal() == "Kq7canary4PIN9z");
  CHECK(std::string_view(c_buffer, 15).find("canary") == std::string_view::npos);
}
