#include "api/seal_json.hpp"

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

json maker_json(const sealbridge::seal::seal& s) {
  try {
    auto m = sealbridge::seal::describe_maker(s);
    return {{"subject", m.subject},
            {"issuer", m.issuer},
            {"serial", m.serial_hex},
            {"not_after", to_iso8601(m.not_after)}};
  } catch (const error&) {
    return nullptr;  // an unreadable maker certificate already fails the verification
  }
}

json cert_list_json(const sealbridge::seal::seal& s) {
  json list = json::array();
  if (s.cert_list_type == 2) {
    for (const auto& d : s.cert_digests)
      list.push_back({{"kind", "digest"}, {"algorithm", d.algorithm}, {"value", to_hex(d.value)}});
  } else {
    for (const auto& c : s.certs) list.push_back({{"kind", "certificate"}, {"der", to_base64(c)}});
  }
  for (const auto& odd : s.unexpected) {
    if (odd.field != "certList") continue;
    list.push_back({{"kind", "unreadable"}, {"element", odd.found}, {"reason", odd.reason}});
  }
  return list;
}

// Stable codes for what the seal holds that its standard does not allow (the seal still reads),
// and for a seal that outlives the certificate it is bound to.
json warnings_json(const service::seal_report& report, sys_seconds now) {
  const auto& s = *report.decoded;
  json list = json::array();
  for (const auto& odd : s.unexpected) {
    list.push_back({{"code", "SEAL_FIELD_UNEXPECTED"},
                    {"field", odd.field},
                    {"offset", odd.offset},
                    {"element", odd.found},
                    {"reason", odd.reason}});
  }
  if (const auto& cert = report.outlives_certificate) {
    list.push_back({{"code", "SEAL_OUTLIVES_CERT"},
                    {"certificate", cert->key_id ? json(to_hex(*cert->key_id)) : json()},
                    {"cert_subject", cert->subject},
                    {"cert_not_after", to_iso8601(cert->not_after)},
                    {"cert_days_left", days_between(now, cert->not_after)},
                    {"days_beyond", days_between(cert->not_after, s.valid_end)}});
  }
  return list;
}

json verification_json(const sealbridge::seal::verification& v) {
  json errors = json::array();
  json reasons = json::object();
  for (std::size_t i = 0; i < v.errors.size(); ++i) {
    const std::string name(code_name(v.errors[i]));
    errors.push_back(name);
    if (i < v.reasons.size()) reasons[name] = v.reasons[i];
  }
  return {{"ok", v.ok()},
          {"maker_signature", v.maker_signature_valid ? "valid" : "invalid"},
          {"maker_trusted", v.maker_trusted},
          {"bound_to_key", v.bound_to_key},
          {"in_validity", v.in_validity},
          {"errors", std::move(errors)},
          {"reasons", std::move(reasons)}};
}

}  // namespace

json seal_json(const service::seal_report& report, sys_seconds now) {
  json out = {{"id", report.id}, {"verification", verification_json(report.verification)}};
  if (!report.decoded) {
    out["format"] = nullptr;
    out["der"] = to_base64(report.der);
    return out;
  }
  const auto& s = *report.decoded;
  out.update(
      {{"es_id", s.es_id},
       {"format", s.format == sealbridge::seal::seal_format::gbt38540 ? "GB/T 38540" : "GM/T 0031"},
       {"header_version", s.header_version},
       {"vid", s.vid},
       {"type", s.type},
       {"name", s.name},
       {"create_date", to_iso8601(s.create_date)},
       {"valid_start", to_iso8601(s.valid_start)},
       {"valid_end", to_iso8601(s.valid_end)},
       {"days_left", days_between(now, s.valid_end)},
       {"picture",
        {{"type", s.pic.type},
         {"width_mm", s.pic.width_mm},
         {"height_mm", s.pic.height_mm},
         {"data", to_base64(s.pic.data)}}},
       {"maker", maker_json(s)},
       {"cert_list", cert_list_json(s)},
       {"warnings", warnings_json(report, now)}});
  return out;
}

}  // namespace sealbridge::api
