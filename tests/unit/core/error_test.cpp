#include "core/error.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using sealbridge::errc;

TEST_CASE("every error code has a distinct stable name, rpc code and both messages") {
  std::set<std::string> names;
  std::set<int> rpc_codes;
  for (int i = 0; i <= static_cast<int>(errc::internal); ++i) {
    auto code = static_cast<errc>(i);
    auto name = std::string(sealbridge::code_name(code));
    INFO(name);
    CHECK(names.insert(name).second);
    CHECK(rpc_codes.insert(sealbridge::rpc_code(code)).second);
    CHECK_FALSE(sealbridge::message_zh(code).empty());
    CHECK_FALSE(sealbridge::message_en(code).empty());
  }
  CHECK(sealbridge::code_name(errc::pin_incorrect) == "PIN_INCORRECT");
  CHECK(sealbridge::rpc_code(errc::method_not_found) == -32601);
  CHECK(sealbridge::code_name(errc::pdf_invalid) == "PDF_INVALID");
  CHECK(sealbridge::rpc_code(errc::pdf_unsupported) == -32081);
}

TEST_CASE("error carries code, detail and tries left") {
  sealbridge::error e(errc::pin_incorrect, "C_Login: CKR_PIN_INCORRECT");
  e.tries_left = 2;
  CHECK(e.code() == errc::pin_incorrect);
  CHECK(std::string(e.what()) == "PIN_INCORRECT: C_Login: CKR_PIN_INCORRECT");
  CHECK(e.tries_left == 2);
}
