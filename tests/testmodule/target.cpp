#include "tests/testmodule/target.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace sealbridge::testmodule {
namespace {
constexpr const char* default_target = "/usr/lib/softhsm/libsofthsm2.so";
}

target::~target() {
  if (handle_ != nullptr) dlclose(handle_);
}

bool target::load() {
  if (api_ != nullptr) return true;
  const char* env = std::getenv("SEALBRIDGE_TESTMODULE_TARGET");
  const char* path = (env != nullptr && *env != '\0') ? env : default_target;
  // Never unmapped, like the daemon's drivers: SoftHSM's exit-time cleanups need its code.
  if (handle_ == nullptr) handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle_ == nullptr) {
    const char* e = dlerror();
    why_ = e ? e : path;
    return false;
  }
  void* symbol = dlsym(handle_, "C_GetFunctionList");
  if (symbol == nullptr) {
    why_ = std::string(path) + ": no C_GetFunctionList";
    return false;
  }
  CK_C_GetFunctionList get = nullptr;
  std::memcpy(&get, &symbol, sizeof get);
  CK_FUNCTION_LIST* list = nullptr;
  if (get(&list) != CKR_OK || list == nullptr) {
    why_ = std::string(path) + ": C_GetFunctionList failed";
    return false;
  }
  api_ = list;
  return true;
}

}  // namespace sealbridge::testmodule
