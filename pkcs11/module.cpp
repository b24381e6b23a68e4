#include "pkcs11/module.hpp"

#ifdef _WIN32
#include <windows.h>

#include "core/win32_text.hpp"
#else
#include <dlfcn.h>
#endif

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <system_error>

#include "core/error.hpp"
#include "core/text.hpp"
#include "pkcs11/rv.hpp"

namespace sealbridge::pkcs11 {
namespace {

std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path, ec);
  // A missing file keeps its name so that dlopen reports the real reason.
  return ec ? path : canonical;
}

// Recursive: a module whose open() throws inside load() is destroyed while load() holds the lock.
struct registry {
  std::recursive_mutex mutex;
  std::map<std::filesystem::path, std::weak_ptr<module>> modules;
};

registry& modules() {
  static registry r;
  return r;
}

// A path for a message: the administrator's locale's bytes on POSIX, UTF-16 on Windows.
std::string path_text(const std::filesystem::path& path) {
#ifdef _WIN32
  return utf8_from_wide(path.native());
#else
  return to_utf8_lenient(path.string());
#endif
}

// The few calls that differ between dlopen and LoadLibrary. Errors throw module_load_failed
// with the system's reason.
#ifdef _WIN32
void* open_library(const std::filesystem::path& path) {
  // Only an absolute path: a bare name would be searched for in the current directory and
  // PATH, where anyone could plant a DLL of that name.
  if (!path.is_absolute())
    throw error(errc::module_load_failed,
                "LoadLibrary: the module must be named by its full path: " + path_text(path));
  // The driver's own directory first for the DLLs it depends on, then System32.
  HMODULE library = LoadLibraryExW(
      path.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
  if (library == nullptr)
    throw error(errc::module_load_failed,
                "LoadLibrary: " + path_text(path) + ": " + win32_error_text(GetLastError()));
  // Pinned, like RTLD_NODELETE below: drivers are finalized but never unmapped.
  HMODULE pinned = nullptr;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                     reinterpret_cast<LPCWSTR>(library), &pinned);
  return library;
}

void* find_symbol(void* library, const char* name) {
  // FARPROC to void*: the memcpy in open() converts back to the function pointer type.
  FARPROC symbol = GetProcAddress(static_cast<HMODULE>(library), name);
  void* out = nullptr;
  static_assert(sizeof out == sizeof symbol);
  std::memcpy(&out, &symbol, sizeof out);
  return out;
}

void close_library(void* library) {
  FreeLibrary(static_cast<HMODULE>(library));
}
#else
void* open_library(const std::filesystem::path& path) {
  // RTLD_LOCAL: two vendors' drivers often bundle the same crypto library in different versions.
  // RTLD_NODELETE: drivers are finalized but never unmapped. Vendor drivers (and SoftHSM with
  // OpenSSL 3) register exit-time cleanups that crash when their code is gone by then.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = dlerror();
    // The message quotes the path, whose bytes are the administrator's locale's.
    throw error(errc::module_load_failed, "dlopen: " + to_utf8_lenient(why ? why : "unknown"));
  }
  return handle;
}

void* find_symbol(void* library, const char* name) {
  return dlsym(library, name);
}

void close_library(void* library) {
  dlclose(library);
}
#endif

}  // namespace

std::shared_ptr<module> module::load(const std::filesystem::path& path) {
  const auto key = canonical_or_same(path);
  auto& r = modules();
  // Held across dlopen and C_Initialize so two threads cannot initialize the same driver twice.
  std::lock_guard lock(r.mutex);
  if (auto existing = r.modules[key].lock()) return existing;
  auto m = std::make_shared<module>(private_tag{}, key);
  m->open();
  r.modules[key] = m;
  return m;
}

module::module(private_tag, std::filesystem::path path) :path_(std::move(path)) {}

void module::open() {
  handle_ = open_library(path_);
  // POSIX guarantees a data pointer from dlsym can hold a function pointer; the memcpy keeps
  // the conversion free of casts the compiler would flag.
  void* symbol = find_symbol(handle_, "C_GetFunctionList");
  if (symbol == nullptr) {
    throw error(errc::module_load_failed, path_text(path_) + " has no C_GetFunctionList");
  }
  CK_C_GetFunctionList get_function_list = nullptr;
  static_assert(sizeof get_function_list == sizeof symbol);
  std::memcpy(&get_function_list, &symbol, sizeof symbol);

  CK_RV rv = get_function_list(&api_);
  if (rv != CKR_OK || api_ == nullptr) {
    throw error(errc::module_load_failed,
                std::string("C_GetFunctionList: ") + std::string(rv_name(rv)));
  }

  // CKF_OS_LOCKING_OK without mutex callbacks asks the driver to protect itself with native
  // locks: the daemon calls one driver from several token workers and the hotplug poller at
  // once. Passing no arguments at all would tell the driver the application is single-threaded,
  // and most drivers then skip locking entirely.
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  rv = api_->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    // Another component of this process owns the driver's lifetime; finalizing would break it.
    finalize_ = false;
  } else if (rv != CKR_OK) {
    throw error(errc::module_load_failed, std::string("C_Initialize: ") + std::string(rv_name(rv)));
  } else {
    finalize_ = true;
  }
}

module::~module() {
  auto& r = modules();
  // Under the registry lock so that a concurrent load() of the same path cannot C_Initialize
  // the driver while this one is still finalizing it.
  std::lock_guard lock(r.mutex);
  if (api_ != nullptr && finalize_) api_->C_Finalize(nullptr);
  if (handle_ != nullptr) close_library(handle_);
  auto it = r.modules.find(path_);
  // The entry may already belong to a newer load of the same path.
  if (it != r.modules.end() && it->second.expired()) r.modules.erase(it);
}

library_info module::info() const {
  CK_INFO info{};
  check(api_->C_GetInfo(&info), "C_GetInfo");
  return to_library_info(info);
}

std::vector<CK_SLOT_ID> module::slots(bool token_present) const {
  const CK_BBOOL present = token_present ? CK_TRUE : CK_FALSE;
  std::vector<CK_SLOT_ID> out;
  // The slot count can grow between the two calls when a reader is plugged in.
  for (;;) {
    CK_ULONG count = 0;
    check(api_->C_GetSlotList(present, nullptr, &count), "C_GetSlotList");
    out.resize(count);
    if (count == 0) return out;
    const CK_RV rv = api_->C_GetSlotList(present, out.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    check(rv, "C_GetSlotList");
    out.resize(count);
    return out;
  }
}

token_info module::token(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  check(api_->C_GetTokenInfo(slot, &info), "C_GetTokenInfo");
  return to_token_info(slot, info);
}

bool module::token_present(CK_SLOT_ID slot) const {
  CK_SLOT_INFO info{};
  const CK_RV rv = api_->C_GetSlotInfo(slot, &info);
  // A reader that disappeared together with its token is simply "not present".
  if (rv == CKR_SLOT_ID_INVALID || rv == CKR_DEVICE_REMOVED) return false;
  check(rv, "C_GetSlotInfo");
  return (info.flags & CKF_TOKEN_PRESENT) != 0;
}

std::optional<CK_SLOT_ID> module::poll_slot_event() const {
  CK_SLOT_ID slot = 0;
  const CK_RV rv = api_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
  if (rv == CKR_NO_EVENT) return std::nullopt;
  check(rv, "C_WaitForSlotEvent");
  return slot;
}

std::vector<CK_MECHANISM_TYPE> module::mechanisms(CK_SLOT_ID slot) const {
  std::vector<CK_MECHANISM_TYPE> out;
  for (;;) {
    CK_ULONG count = 0;
    check(api_->C_GetMechanismList(slot, nullptr, &count), "C_GetMechanismList");
    out.resize(count);
    if (count == 0) return out;
    const CK_RV rv = api_->C_GetMechanismList(slot, out.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    check(rv, "C_GetMechanismList");
    out.resize(count);
    return out;
  }
}

}  // namespace sealbridge::pkcs11
