#include "service/private_keys.hpp"

#include <catch2/catch.hpp>

using namespace sealbridge;
using sealbridge::service::key_presence;

TEST_CASE("private key memory: unknown before a login, then what the login showed") {
  service::private_key_memory memory;
  CHECK(memory.lookup(bytes{0x01}) == key_presence::unknown);
  CHECK(memory.lookup(bytes{}) == key_presence::unknown);
  memory.remember({bytes{0x01}, bytes{0x0a, 0x0b}});
  CHECK(memory.lookup(bytes{0x01}) == key_presence::present);
  CHECK(memory.lookup(bytes{0x0a, 0x0b}) == key_presence::present);
  CHECK(memory.lookup(bytes{0x02}) == key_presence::absent);
  CHECK(memory.lookup(bytes{}) == key_presence::absent);
  // A later login replaces what an earlier one showed (a key pair removed meanwhile).
  memory.remember({bytes{0x02}});
  CHECK(memory.lookup(bytes{0x01}) == key_presence::absent);
  CHECK(memory.lookup(bytes{0x02}) == key_presence::present);
}
