#include "core/error.hpp"

namespace sealbridge {
namespace {

struct code_entry {
  errc code;
  std::string_view name;
  int rpc;
  std::string_view zh;
  std::string_view en;
};

constexpr code_entry kCodes[] = {
    {errc::bad_request, "BAD_REQUEST", -32600, "请求格式错误", "The request is malformed."},
    {errc::method_not_found, "METHOD_NOT_FOUND", -32601, "不支持该方法", "No such method."},
    {errc::bad_params, "BAD_PARAMS", -32602, "参数错误", "Invalid parameters."},
    {errc::payload_too_large, "PAYLOAD_TOO_LARGE", -32010, "请求数据过大", "The request is too large."},
    {errc::unsupported_media_type, "UNSUPPORTED_MEDIA_TYPE", -32011, "请求类型须为 application/json",
     "The request must be application/json."},
    {errc::host_not_allowed, "HOST_NOT_ALLOWED", -32012, "请求的主机名不被允许",
     "The Host header is not a local address of this service."},
    {errc::origin_not_allowed, "ORIGIN_NOT_ALLOWED", -32013, "该网站未被授权访问签章服务",
     "This web site is not allowed to use the signing service."},
    {errc::not_found, "NOT_FOUND", -32014, "资源不存在", "Not found."},
    {errc::token_not_found, "TOKEN_NOT_FOUND", -32020, "未找到该UKey，请确认已插入",
     "The key was not found; check that it is plugged in."},
    {errc::token_removed, "TOKEN_REMOVED", -32021, "UKey已被拔出，请重新插入后重试",
     "The key was removed; plug it in again and retry."},
    {errc::object_not_found, "OBJECT_NOT_FOUND", -32022, "UKey中未找到该对象",
     "The object was not found on the key."},
    {errc::module_load_failed, "MODULE_LOAD_FAILED", -32023, "UKey驱动加载失败",
     "The key's driver could not be loaded."},
    {errc::pkcs11_error, "PKCS11_ERROR", -32024, "UKey操作失败", "The key reported an error."},
    {errc::pin_required, "PIN_REQUIRED", -32030, "请输入UKey口令", "The key's PIN is required."},
    {errc::pin_incorrect, "PIN_INCORRECT", -32031, "口令错误", "The PIN is incorrect."},
    {errc::pin_locked, "PIN_LOCKED", -32032, "口令已锁定，请联系发证机构解锁",
     "The PIN is locked; contact the issuer to unlock it."},
    {errc::pin_final_try, "PIN_FINAL_TRY", -32033, "仅剩最后一次口令尝试机会，请确认后再试",
     "Only one PIN try is left; confirm before trying."},
    {errc::pin_length, "PIN_LENGTH", -32034, "口令长度不符合要求", "The PIN length is not accepted by the key."},
    {errc::busy, "BUSY", -32040, "UKey正忙，请稍后再试", "The key is busy; try again shortly."},
    {errc::cancelled, "CANCELLED", -32041, "操作已取消", "The operation was cancelled."},
    {errc::not_supported, "NOT_SUPPORTED", -32042, "不支持该操作", "The operation is not supported."},
    {errc::seal_invalid, "SEAL_INVALID", -32050, "印章数据无效或签名验证失败",
     "The seal is malformed or its signature does not verify."},
    {errc::seal_untrusted, "SEAL_UNTRUSTED", -32051, "印章制作者不受信任",
     "The seal maker is not trusted."},
    {errc::seal_not_bound, "SEAL_NOT_BOUND", -32052, "印章与UKey中的证书不匹配",
     "The seal is not bound to a certificate on this key."},
    {errc::seal_expired, "SEAL_EXPIRED", -32053, "印章已过期", "The seal has expired."},
    {errc::seal_not_newer, "SEAL_NOT_NEWER", -32054, "新印章并不比UKey中的印章更新",
     "The new seal is not newer than the one on the key."},
    {errc::cert_invalid, "CERT_INVALID", -32060, "证书无效", "The certificate is invalid."},
    {errc::cert_mismatch, "CERT_MISMATCH", -32061, "证书与UKey中的密钥不匹配",
     "The certificate does not match a key pair on the key."},
    {errc::io_error, "IO_ERROR", -32070, "本地文件读写失败", "A local file could not be read or written."},
    {errc::internal, "INTERNAL", -32603, "签章服务内部错误", "Internal error in the signing service."},
};

const code_entry& entry(errc code) noexcept {
  for (const auto& e : kCodes) {
    if (e.code == code) return e;
  }
  return kCodes[std::size(kCodes) - 1];
}

}  // namespace

std::string_view code_name(errc code) noexcept { return entry(code).name; }
int rpc_code(errc code) noexcept { return entry(code).rpc; }
std::string_view message_zh(errc code) noexcept { return entry(code).zh; }
std::string_view message_en(errc code) noexcept { return entry(code).en; }

error::error(errc code, std::string detail) : code_(code), detail_(std::move(detail)) {
  what_ = std::string(code_name(code));
  if (!detail_.empty()) what_ += ": " + detail_;
}

}  // namespace sealbridge
