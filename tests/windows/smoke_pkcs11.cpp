// A minimal PKCS#11 driver DLL for the Windows smoke test (scripts/test-windows.sh), with a
// known CK_INFO. The installed daemon loads it through the MODULES property, so the test sees
// LoadLibrary, GetProcAddress and the structure packing of Windows drivers (1-byte, from
// pkcs11.h) work end to end: system.info must show the manufacturer and description below.
// pkcs11.h then declares the entry points dllexport, as a driver's own build does.
//
// It has no slots, unless SEALBRIDGE_SMOKE_TOKEN names a directory holding cert.der (an X.509
// certificate with a P-256 key) and key.der (that key, DER): then slot 1 holds one token with
// that certificate and key under CKA_ID 01, user PIN 123456 (6..16 characters), and CKM_ECDSA,
// so that a sign.hash can go through the daemon, its consent dialog and back.
#define CRYPTOKI_EXPORTS
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

using byte_string = std::vector<unsigned char>;

constexpr CK_SLOT_ID token_slot = 1;
constexpr CK_OBJECT_HANDLE certificate_object = 1;
constexpr CK_OBJECT_HANDLE private_key_object = 2;
constexpr std::string_view user_pin = "123456";
constexpr std::size_t max_sessions = 16;

struct session_state {
  bool open = false;
  bool read_write = false;
  std::vector<CK_OBJECT_HANDLE> found;  // results of the running C_FindObjects
  bool finding = false;
  bool signing = false;
};

struct token_state {
  byte_string certificate_der;
  EVP_PKEY* key = nullptr;
  bool logged_in = false;
  std::array<session_state, max_sessions> sessions{};
};

std::mutex mutex;  // one call at a time: the daemon may call from several threads
bool initialized = false;
std::optional<token_state> token;

void blank_padded(unsigned char* field, std::size_t size, const char* text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text, std::min(size, std::strlen(text)));
}

byte_string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return byte_string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The token of SEALBRIDGE_SMOKE_TOKEN, when that names readable files.
std::optional<token_state> load_token() {
  const char* dir = std::getenv("SEALBRIDGE_SMOKE_TOKEN");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  token_state t;
  t.certificate_der = read_file(std::string(dir) + "\\cert.der");
  const byte_string key_der = read_file(std::string(dir) + "\\key.der");
  const unsigned char* p = key_der.data();
  t.key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key_der.size()));
  if (t.certificate_der.empty() || t.key == nullptr) return std::nullopt;
  return t;
}

session_state* session_of(CK_SESSION_HANDLE handle) {
  if (!token || handle == 0 || handle > max_sessions) return nullptr;
  session_state& s = token->sessions[handle - 1];
  return s.open ? &s : nullptr;
}

// The object's attribute, or nullopt when it has none (or may not show it).
std::optional<byte_string> attribute_of(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  const auto ulong_value = [](CK_ULONG v) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v);
    return byte_string(b, b + sizeof v);
  };
  const auto bool_value = [](bool v) { return byte_string{static_cast<unsigned char>(v)}; };
  const byte_string id{0x01};
  const std::string label = "SealBridge smoke key";
  if (object == certificate_object) {
    switch (type) {
      case CKA_CLASS:
        return ulong_value(CKO_CERTIFICATE);
      case CKA_CERTIFICATE_TYPE:
        return ulong_value(CKC_X_509);
      case CKA_ID:
        return id;
      case CKA_LABEL:
        return byte_string(label.begin(), label.end());
      case CKA_VALUE:
        return token->certificate_der;
      case CKA_TOKEN:
        return bool_value(true);
      case CKA_PRIVATE:
        return bool_value(false);
      default:
        return std::nullopt;
    }
  }
  if (object == private_key_object) {
    switch (type) {
      case CKA_CLASS:
        return ulong_value(CKO_PRIVATE_KEY);
      case CKA_KEY_TYPE:
        return ulong_value(CKK_EC);
      case CKA_ID:
        return id;
      case CKA_LABEL:
        return byte_string(label.begin(), label.end());
      case CKA_SIGN:
      case CKA_TOKEN:
      case CKA_PRIVATE:
      case CKA_SENSITIVE:
        return bool_value(true);
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

bool visible(CK_OBJECT_HANDLE object) {
  return object == certificate_object || (object == private_key_object && token->logged_in);
}

CK_RV initialize(void*) {
  std::lock_guard lock(mutex);
  if (initialized) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  initialized = true;
  token = load_token();
  return CKR_OK;
}

CK_RV finalize(void*) {
  std::lock_guard lock(mutex);
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  initialized = false;
  if (token) EVP_PKEY_free(token->key);
  token.reset();
  return CKR_OK;
}

CK_RV get_info(CK_INFO* info) {
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  info->cryptokiVersion = {2, 40};
  blank_padded(info->manufacturerID, sizeof info->manufacturerID, "SealBridge smoke test");
  info->flags = 0;
  blank_padded(info->libraryDescription, sizeof info->libraryDescription, "Windows smoke driver");
  info->libraryVersion = {1, 7};
  return CKR_OK;
}

CK_RV get_slot_list(CK_BBOOL, CK_SLOT_ID* list, CK_ULONG* count) {
  std::lock_guard lock(mutex);
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  const CK_ULONG slots = token ? 1 : 0;
  if (list != nullptr && *count < slots) {
    *count = slots;
    return CKR_BUFFER_TOO_SMALL;
  }
  if (list != nullptr && slots) list[0] = token_slot;
  *count = slots;
  return CKR_OK;
}

CK_RV get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  std::lock_guard lock(mutex);
  if (!token || slot != token_slot) return CKR_SLOT_ID_INVALID;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  blank_padded(info->slotDescription, sizeof info->slotDescription, "Smoke slot");
  blank_padded(info->manufacturerID, sizeof info->manufacturerID, "SealBridge smoke test");
  info->flags = CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
  info->hardwareVersion = {1, 0};
  info->firmwareVersion = {1, 0};
  return CKR_OK;
}

CK_RV get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  std::lock_guard lock(mutex);
  if (!token || slot != token_slot) return CKR_SLOT_ID_INVALID;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  std::memset(info, 0, sizeof *info);
  blank_padded(info->label, sizeof info->label, "SealBridge smoke token");
  blank_padded(info->manufacturerID, sizeof info->manufacturerID, "SealBridge smoke test");
  blank_padded(info->model, sizeof info->model, "wine");
  blank_padded(info->serialNumber, sizeof info->serialNumber, "SMOKE0001");
  info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
  info->ulMaxSessionCount = max_sessions;
  info->ulMaxRwSessionCount = max_sessions;
  info->ulMinPinLen = 6;
  info->ulMaxPinLen = 16;
  info->ulTotalPublicMemory = info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion = {1, 0};
  info->firmwareVersion = {1, 0};
  return CKR_OK;
}

CK_RV get_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count) {
  std::lock_guard lock(mutex);
  if (!token || slot != token_slot) return CKR_SLOT_ID_INVALID;
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  if (list != nullptr && *count < 1) {
    *count = 1;
    return CKR_BUFFER_TOO_SMALL;
  }
  if (list != nullptr) list[0] = CKM_ECDSA;
  *count = 1;
  return CKR_OK;
}

CK_RV wait_for_slot_event(CK_FLAGS, CK_SLOT_ID*, void*) {
  return CKR_NO_EVENT;
}

CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS flags, void*, CK_NOTIFY, CK_SESSION_HANDLE* handle) {
  std::lock_guard lock(mutex);
  if (!token || slot != token_slot) return CKR_SLOT_ID_INVALID;
  if (handle == nullptr) return CKR_ARGUMENTS_BAD;
  if (!(flags & CKF_SERIAL_SESSION)) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
  for (std::size_t i = 0; i < max_sessions; ++i) {
    if (token->sessions[i].open) continue;
    token->sessions[i] = session_state{};
    token->sessions[i].open = true;
    token->sessions[i].read_write = (flags & CKF_RW_SESSION) != 0;
    *handle = static_cast<CK_SESSION_HANDLE>(i + 1);
    return CKR_OK;
  }
  return CKR_SESSION_COUNT;
}

CK_RV close_session(CK_SESSION_HANDLE handle) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  *s = session_state{};
  // The login belongs to the application while any session is open.
  if (std::none_of(token->sessions.begin(), token->sessions.end(),
                   [](const session_state& other) { return other.open; }))
    token->logged_in = false;
  return CKR_OK;
}

CK_RV get_session_info(CK_SESSION_HANDLE handle, CK_SESSION_INFO* info) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  info->slotID = token_slot;
  info->flags = CKF_SERIAL_SESSION | (s->read_write ? CKF_RW_SESSION : 0);
  if (token->logged_in)
    info->state = s->read_write ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
  else
    info->state = s->read_write ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
  info->ulDeviceError = 0;
  return CKR_OK;
}

CK_RV login(CK_SESSION_HANDLE handle, CK_USER_TYPE user, unsigned char* pin, CK_ULONG length) {
  std::lock_guard lock(mutex);
  if (session_of(handle) == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (user != CKU_USER) return CKR_USER_TYPE_INVALID;
  if (token->logged_in) return CKR_USER_ALREADY_LOGGED_IN;
  if (pin == nullptr) return CKR_ARGUMENTS_BAD;
  if (length < 6 || length > 16) return CKR_PIN_LEN_RANGE;
  if (std::string_view(reinterpret_cast<const char*>(pin), length) != user_pin)
    return CKR_PIN_INCORRECT;
  token->logged_in = true;
  return CKR_OK;
}

CK_RV logout(CK_SESSION_HANDLE handle) {
  std::lock_guard lock(mutex);
  if (session_of(handle) == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (!token->logged_in) return CKR_USER_NOT_LOGGED_IN;
  token->logged_in = false;
  return CKR_OK;
}

CK_RV find_objects_init(CK_SESSION_HANDLE handle, CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (s->finding) return CKR_OPERATION_ACTIVE;
  if (tmpl == nullptr && count > 0) return CKR_ARGUMENTS_BAD;
  s->found.clear();
  for (CK_OBJECT_HANDLE object : {certificate_object, private_key_object}) {
    if (!visible(object)) continue;
    bool matches = true;
    for (CK_ULONG i = 0; i < count && matches; ++i) {
      const auto value = attribute_of(object, tmpl[i].type);
      const auto* wanted = static_cast<const unsigned char*>(tmpl[i].pValue);
      matches = value && value->size() == tmpl[i].ulValueLen &&
                std::equal(value->begin(), value->end(), wanted);
    }
    if (matches) s->found.push_back(object);
  }
  s->finding = true;
  return CKR_OK;
}

CK_RV find_objects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE* out, CK_ULONG max, CK_ULONG* count) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (!s->finding) return CKR_OPERATION_NOT_INITIALIZED;
  if (count == nullptr || (out == nullptr && max > 0)) return CKR_ARGUMENTS_BAD;
  const auto n = std::min<std::size_t>(max, s->found.size());
  std::copy_n(s->found.begin(), n, out);
  s->found.erase(s->found.begin(), s->found.begin() + static_cast<std::ptrdiff_t>(n));
  *count = static_cast<CK_ULONG>(n);
  return CKR_OK;
}

CK_RV find_objects_final(CK_SESSION_HANDLE handle) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (!s->finding) return CKR_OPERATION_NOT_INITIALIZED;
  s->finding = false;
  s->found.clear();
  return CKR_OK;
}

CK_RV get_attribute_value(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ATTRIBUTE* tmpl,
                          CK_ULONG count) {
  std::lock_guard lock(mutex);
  if (session_of(handle) == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (!visible(object)) return CKR_OBJECT_HANDLE_INVALID;
  if (tmpl == nullptr && count > 0) return CKR_ARGUMENTS_BAD;
  CK_RV rv = CKR_OK;
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_ATTRIBUTE& a = tmpl[i];
    if (object == private_key_object && a.type == CKA_VALUE) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_SENSITIVE;
      continue;
    }
    const auto value = attribute_of(object, a.type);
    if (!value) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_ATTRIBUTE_TYPE_INVALID;
    } else if (a.pValue == nullptr) {
      a.ulValueLen = static_cast<CK_ULONG>(value->size());
    } else if (a.ulValueLen < value->size()) {
      a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    } else {
      std::memcpy(a.pValue, value->data(), value->size());
      a.ulValueLen = static_cast<CK_ULONG>(value->size());
    }
  }
  return rv;
}

CK_RV sign_init(CK_SESSION_HANDLE handle, CK_MECHANISM* mechanism, CK_OBJECT_HANDLE key) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (s->signing) return CKR_OPERATION_ACTIVE;
  if (!token->logged_in) return CKR_USER_NOT_LOGGED_IN;
  if (mechanism == nullptr || mechanism->mechanism != CKM_ECDSA) return CKR_MECHANISM_INVALID;
  if (key != private_key_object) return CKR_KEY_HANDLE_INVALID;
  s->signing = true;
  return CKR_OK;
}

// CKM_ECDSA: the digest as given, the signature as r || s of 32 bytes each.
CK_RV sign(CK_SESSION_HANDLE handle, unsigned char* data, CK_ULONG length, unsigned char* out,
           CK_ULONG* out_length) {
  std::lock_guard lock(mutex);
  session_state* s = session_of(handle);
  if (s == nullptr) return CKR_SESSION_HANDLE_INVALID;
  if (!s->signing) return CKR_OPERATION_NOT_INITIALIZED;
  if (out_length == nullptr || data == nullptr) return CKR_ARGUMENTS_BAD;
  constexpr CK_ULONG size = 64;
  if (out == nullptr) {
    *out_length = size;
    return CKR_OK;
  }
  if (*out_length < size) {
    *out_length = size;
    return CKR_BUFFER_TOO_SMALL;
  }
  s->signing = false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(token->key, nullptr);
  std::array<unsigned char, 128> der{};
  std::size_t der_length = der.size();
  const bool signed_ok = ctx != nullptr && EVP_PKEY_sign_init(ctx) == 1 &&
                         EVP_PKEY_sign(ctx, der.data(), &der_length, data, length) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!signed_ok) return CKR_FUNCTION_FAILED;
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length));
  if (sig == nullptr) return CKR_FUNCTION_FAILED;
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
  ECDSA_SIG_free(sig);
  *out_length = size;
  return CKR_OK;
}

CK_RV get_function_list(CK_FUNCTION_LIST** list);

CK_FUNCTION_LIST functions = [] {
  CK_FUNCTION_LIST f{};
  f.version = {2, 40};
  f.C_Initialize = initialize;
  f.C_Finalize = finalize;
  f.C_GetInfo = get_info;
  f.C_GetFunctionList = get_function_list;
  f.C_GetSlotList = get_slot_list;
  f.C_GetSlotInfo = get_slot_info;
  f.C_GetTokenInfo = get_token_info;
  f.C_GetMechanismList = get_mechanism_list;
  f.C_WaitForSlotEvent = wait_for_slot_event;
  f.C_OpenSession = open_session;
  f.C_CloseSession = close_session;
  f.C_GetSessionInfo = get_session_info;
  f.C_Login = login;
  f.C_Logout = logout;
  f.C_FindObjectsInit = find_objects_init;
  f.C_FindObjects = find_objects;
  f.C_FindObjectsFinal = find_objects_final;
  f.C_GetAttributeValue = get_attribute_value;
  f.C_SignInit = sign_init;
  f.C_Sign = sign;
  return f;
}();

CK_RV get_function_list(CK_FUNCTION_LIST** list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  *list = &functions;
  return CKR_OK;
}

}  // namespace

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list) {
  return get_function_list(list);
}
