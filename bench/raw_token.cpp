#include "raw_token.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "stats.hpp"

namespace sealbridge::bench {

namespace {

void check(CK_RV rv, const char* what) {
  if (rv != CKR_OK)
    throw std::runtime_error(std::string(what) + " failed: rv " + std::to_string(rv));
}

std::string trimmed(const unsigned char* field, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

raw_token::raw_token(const std::string& module_path, const std::string& serial,
                     const std::string& pin) {
  library_ = ::dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library_) throw std::runtime_error("dlopen " + module_path + ": " + ::dlerror());
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(library_, "C_GetFunctionList"));
  if (!get_list) throw std::runtime_error("no C_GetFunctionList in " + module_path);
  check(get_list(&p11_), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  check(p11_->C_Initialize(&args), "C_Initialize");

  CK_ULONG count = 0;
  check(p11_->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  check(p11_->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  bool found = false;
  for (auto slot : slots) {
    CK_TOKEN_INFO info{};
    if (p11_->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    if (trimmed(info.serialNumber, sizeof info.serialNumber) == serial) {
      slot_ = slot;
      found = true;
      break;
    }
  }
  if (!found) throw std::runtime_error("no token with serial " + serial);
  login_session_ = open_session();
  std::string pin_copy = pin;
  check(p11_->C_Login(login_session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin_copy.data()),
                      pin_copy.size()),
        "C_Login");
}

raw_token::~raw_token() {
  if (p11_) {
    if (login_session_ != CK_INVALID_HANDLE) {
      p11_->C_Logout(login_session_);
      p11_->C_CloseSession(login_session_);
    }
    p11_->C_Finalize(nullptr);
  }
  if (library_) ::dlclose(library_);
}

CK_SESSION_HANDLE raw_token::open_session() {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  check(p11_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session),
        "C_OpenSession");
  return session;
}

CK_OBJECT_HANDLE raw_token::find_key(CK_SESSION_HANDLE session, const byte_string& key_id) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  auto id = key_id;
  CK_ATTRIBUTE want[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
  check(p11_->C_FindObjectsInit(session, want, 2), "C_FindObjectsInit");
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG got = 0;
  CK_RV rv = p11_->C_FindObjects(session, &key, 1, &got);
  p11_->C_FindObjectsFinal(session);
  check(rv, "C_FindObjects");
  if (got != 1) throw std::runtime_error("private key not found");
  return key;
}

double raw_token::sign_rate(const byte_string& key_id, CK_MECHANISM_TYPE mechanism,
                            const byte_string& input, std::chrono::milliseconds duration,
                            unsigned threads) {
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> cpu_ns{0};
  std::atomic<bool> failed{false};
  auto start = bench_clock::now();
  auto until = start + duration;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      try {
        auto session = open_session();
        auto key = find_key(session, key_id);
        auto data = input;
        std::uint8_t signature[1024];
        std::uint64_t done = 0;
        CK_MECHANISM mech{mechanism, nullptr, 0};
        while (bench_clock::now() < until) {
          check(p11_->C_SignInit(session, &mech, key), "C_SignInit");
          CK_ULONG size = sizeof signature;
          check(p11_->C_Sign(session, data.data(), data.size(), signature, &size), "C_Sign");
          ++done;
        }
        timespec cpu{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
        cpu_ns += static_cast<std::uint64_t>(cpu.tv_sec) * 1000000000u +
                  static_cast<std::uint64_t>(cpu.tv_nsec);
        p11_->C_CloseSession(session);
        total += done;
      } catch (...) {
        failed = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) throw std::runtime_error("raw signing failed");
  last_cpu_us_ = total ? static_cast<double>(cpu_ns) / 1000.0 / static_cast<double>(total) : 0;
  return static_cast<double>(total) / seconds_since(start);
}

std::vector<std::pair<std::string, double>> raw_token::step_costs(const byte_string& key_id,
                                                                  int rounds) {
  std::vector<std::pair<std::string, double>> out;
  auto session = open_session();
  auto time = [&](const std::string& name, auto&& step) {
    step();  // warm-up
    auto start = bench_clock::now();
    for (int i = 0; i < rounds; ++i) step();
    out.emplace_back(name, seconds_since(start) * 1e6 / rounds);
  };
  auto find = [&](std::vector<CK_ATTRIBUTE> tmpl) {
    check(p11_->C_FindObjectsInit(session, tmpl.data(), tmpl.size()), "C_FindObjectsInit");
    std::vector<CK_OBJECT_HANDLE> found(16);
    CK_ULONG got = 0;
    CK_RV rv = p11_->C_FindObjects(session, found.data(), found.size(), &got);
    p11_->C_FindObjectsFinal(session);
    check(rv, "C_FindObjects");
    found.resize(got);
    return found;
  };
  auto read = [&](CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE attribute{type, nullptr, 0};
    check(p11_->C_GetAttributeValue(session, object, &attribute, 1), "C_GetAttributeValue");
    byte_string value(attribute.ulValueLen);
    attribute.pValue = value.data();
    check(p11_->C_GetAttributeValue(session, object, &attribute, 1), "C_GetAttributeValue");
    return value;
  };
  CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE, key_class = CKO_PRIVATE_KEY;
  CK_CERTIFICATE_TYPE x509 = CKC_X_509;
  auto id = key_id;

  time("C_OpenSession + C_CloseSession", [&] {
    auto s = open_session();
    p11_->C_CloseSession(s);
  });
  time("C_GetTokenInfo", [&] {
    CK_TOKEN_INFO info{};
    check(p11_->C_GetTokenInfo(slot_, &info), "C_GetTokenInfo");
  });
  time("find every certificate, read CKA_VALUE, CKA_ID, CKA_LABEL of each", [&] {
    for (auto h : find({{CKA_CLASS, &cert_class, sizeof cert_class},
                        {CKA_CERTIFICATE_TYPE, &x509, sizeof x509}})) {
      read(h, CKA_VALUE);
      read(h, CKA_ID);
      read(h, CKA_LABEL);
    }
  });
  time("find the certificate by CKA_ID, read CKA_VALUE", [&] {
    for (auto h : find({{CKA_CLASS, &cert_class, sizeof cert_class},
                        {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
                        {CKA_ID, id.data(), id.size()}}))
      read(h, CKA_VALUE);
  });
  time("find the private key by CKA_ID", [&] {
    find({{CKA_CLASS, &key_class, sizeof key_class}, {CKA_ID, id.data(), id.size()}});
  });
  auto key = find_key(session, key_id);
  byte_string hash(32, 0x5a);
  time("C_SignInit + C_Sign (ECDSA)", [&] {
    CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
    check(p11_->C_SignInit(session, &mech, key), "C_SignInit");
    std::uint8_t signature[256];
    CK_ULONG size = sizeof signature;
    check(p11_->C_Sign(session, hash.data(), hash.size(), signature, &size), "C_Sign");
  });
  p11_->C_CloseSession(session);
  return out;
}

byte_string sha256_digest_info(const byte_string& hash) {
  static const std::uint8_t prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  byte_string out(sizeof prefix + hash.size());
  std::memcpy(out.data(), prefix, sizeof prefix);
  std::memcpy(out.data() + sizeof prefix, hash.data(), hash.size());
  return out;
}

}  // namespace sealbridge::bench
