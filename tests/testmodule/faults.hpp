#pragma once

#include <p11-kit/pkcs11.h>

#include <memory>
#include <vector>

#include "tests/testmodule/config.hpp"
#include "tests/testmodule/hooks.hpp"

namespace sealbridge::testmodule {

// The fault hooks driven by control files (README.md): `remove-after`, `pause-at`, `fail`.
// Each file holds one rule and is re-read when it changes; none are installed without a
// control directory.
std::vector<std::unique_ptr<call_hook>> make_hooks(const config& c, CK_FUNCTION_LIST& api);

}  // namespace sealbridge::testmodule
