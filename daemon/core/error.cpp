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
    {errc::payload_too_large, "PAYLOAD_TOO_LARGE", -32010, "请求数据过大",
     "The request is too large."},
    {errc::unsupported_media_type, "UNSUPPORTED_MEDIA_TYPE", -32011,
     "请求类型须为 application/json", "The request must be application/json."},
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
    {errc::pin_length, "PIN_LENGTH", -32034, "口令长度不符合要求",
     "The PIN length is not accepted by the key."},
    {errc::pin_attempts_exceeded, "PIN_ATTEMPTS_EXCEEDED", -32035,
     "该网页提交的错误口令次数过多，请稍后再试",
     "This page sent too many wrong PINs for the key; try again later."},
    {errc::busy, "BUSY", -32040, "UKey正忙，请稍后再试", "The key is busy; try again shortly."},
    {errc::cancelled, "CANCELLED", -32041, "操作已取消", "The operation was cancelled."},
    {errc::not_supported, "NOT_SUPPORTED", -32042, "不支持该操作",
     "The operation is not supported."},
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
    {errc::io_error, "IO_ERROR", -32070, "本地文件读写失败",
     "A local file could not be read or written."},
    {errc::pdf_invalid, "PDF_INVALID", -32080, "PDF文件已损坏或格式无效",
     "The PDF file is damaged or invalid."},
    {errc::pdf_unsupported, "PDF_UNSUPPORTED", -32081,
     "不支持对该PDF文件签章（已加密或已禁止修改）",
     "This PDF cannot be signed (encrypted, or certified with no changes allowed)."},
    {errc::picture_unsupported, "PICTURE_UNSUPPORTED", -32082, "不支持该印章图片格式",
     "The seal picture format is not supported."},
    {errc::pdf_signature_too_large, "PDF_SIGNATURE_TOO_LARGE", -32083, "签名数据超出PDF预留空间",
     "The signature does not fit the space reserved in the PDF."},
    {errc::signature_invalid, "SIGNATURE_INVALID", -32090, "签名无效",
     "The signature does not verify."},
    {errc::update_not_configured, "UPDATE_NOT_CONFIGURED", -32100, "未配置升级服务器",
     "No update server is configured."},
    {errc::update_unreachable, "UPDATE_UNREACHABLE", -32101, "无法连接升级服务器",
     "The update server could not be reached."},
    {errc::update_manifest_invalid, "UPDATE_MANIFEST_INVALID", -32102, "升级信息格式无效",
     "The update manifest is malformed."},
    {errc::update_signature_invalid, "UPDATE_SIGNATURE_INVALID", -32103, "升级信息签名无效",
     "The update manifest's signature does not verify."},
    {errc::update_expired, "UPDATE_EXPIRED", -32104, "升级信息已过期",
     "The update manifest has expired."},
    {errc::update_rollback, "UPDATE_ROLLBACK", -32105, "升级信息比已见过的旧，已忽略",
     "The update manifest is older than one seen before; ignored."},
    {errc::update_not_newer, "UPDATE_NOT_NEWER", -32106, "已是最新版本",
     "The offered version is not newer than the running one."},
    {errc::update_hash_mismatch, "UPDATE_HASH_MISMATCH", -32107, "安装包校验失败，已删除",
     "The installer's size or SHA-256 does not match; it was deleted."},
    {errc::internal, "INTERNAL", -32603, "签章服务内部错误",
     "Internal error in the signing service."},
};

const code_entry& entry(errc code) noexcept {
  for (const auto& e : kCodes) {
    if (e.code == code) return e;
  }
  // Unknown values answer INTERNAL, wherever its row sits.
  for (const auto& e : kCodes) {
    if (e.code == errc::internal) return e;
  }
  return kCodes[0];
}

}  // namespace

std::string_view code_name(errc code) noexcept {
  return entry(code).name;
}
int rpc_code(errc code) noexcept {
  return entry(code).rpc;
}
std::string_view message_zh(errc code) noexcept {
  return entry(code).zh;
}
std::string_view message_en(errc code) noexcept {
  return entry(code).en;
}

error::error(errc code, std::string detail) : code_(code), detail_(std::move(detail)) {
  what_ = std::string(code_name(code));
  if (!detail_.empty()) what_ += ": " + detail_;
}

}  // namespace sealbridge
